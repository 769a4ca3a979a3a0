/** What the topic service reports as it works; the metrics adapter listens to these. */
export interface TopicEvents {
  published?(topic: string, delivered: number): void;
  subscriberDropped?(reason: string): void;
}
