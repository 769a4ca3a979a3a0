/** The user name that stands for everyone, anonymous callers included, in ACL entries. */
export const EVERYONE = '*';

export const USERNAME_MAX_LENGTH = 64;

// `*` is left out on purpose: it would be confused with EVERYONE.
const USERNAME = /^[-_.+@a-zA-Z0-9]+$/;
const TOPIC_PATTERN = /^[-_*A-Za-z0-9]{1,64}$/;

export function isValidUsername(s: string): boolean {
  return s.length <= USERNAME_MAX_LENGTH && USERNAME.test(s);
}

/** A topic name in which `*` may stand for any run of characters. */
export function isValidTopicPattern(s: string): boolean {
  return TOPIC_PATTERN.test(s);
}
