/** The event types of API.md, exactly. */
export const WEBHOOK_EVENT_TYPES = [
  'subscriber.registered',
  'subscriber.confirmed',
  'subscriber.unsubscribed',
  'subscriber.bounced',
  'subscriber.complained',
  'subscriber.erased',
  'bulletin.sent',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
