const TOPIC_NAME = /^[-_A-Za-z0-9]{1,64}$/;

/** ntfy's topic name rule: 1 to 64 of letters, digits, `-` and `_`; case-sensitive. */
export function isValidTopicName(name: string): boolean {
  return TOPIC_NAME.test(name);
}
