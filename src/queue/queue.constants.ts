/** Every BullMQ queue, job name and payload in one place. Payloads carry ids only. */
export enum QueueName {
  /** Transactional messages: confirm and notice. */
  Mail = 'mail',
  /** Bulletin fan-out: walks the audience and writes deliveries. */
  Fanout = 'fanout',
  /** Bulletin sending: chunks of delivery ids. */
  Send = 'send',
  /** Periodic recovery and other housekeeping. */
  Maintenance = 'maintenance',
  /** Outbound webhooks. */
  Webhooks = 'webhooks',
}

export enum JobName {
  SendConfirm = 'send-confirm',
  SendNotice = 'send-notice',
  FanoutBulletin = 'fanout-bulletin',
  SendChunk = 'send-chunk',
  /** Re-enqueues a bulletin's queued deliveries (resume, retry-failed). */
  RequeueBulletin = 'requeue-bulletin',
  Recover = 'recover',
  DeliverWebhook = 'deliver-webhook',
  /** Periodic: re-enqueues webhook deliveries whose job Redis lost, frees stale claims. */
  RecoverWebhooks = 'recover-webhooks',
}

export interface JobPayloads {
  [JobName.SendConfirm]: { subscriberId: string };
  [JobName.SendNotice]: { subscriberId: string };
  [JobName.FanoutBulletin]: { bulletinId: string };
  [JobName.SendChunk]: { bulletinId: string; deliveryIds: string[] };
  [JobName.RequeueBulletin]: { bulletinId: string };
  [JobName.Recover]: Record<string, never>;
  [JobName.DeliverWebhook]: { webhookDeliveryId: string };
  [JobName.RecoverWebhooks]: Record<string, never>;
}

export const ALL_QUEUES = Object.values(QueueName);
