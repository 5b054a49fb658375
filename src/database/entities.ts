import { ApiKey } from '../sites/api-key.entity';
import { Policy } from '../sites/policy.entity';
import { Site } from '../sites/site.entity';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscriberEvent } from '../subscribers/subscriber-event.entity';
import { Suppression } from '../subscribers/suppression.entity';
import { Template } from '../mail/template.entity';
import { Message } from '../mail/message.entity';
import { DevMail } from '../mail/dev-mail.entity';
import { Bulletin } from '../bulletins/bulletin.entity';
import { Delivery } from '../delivery/delivery.entity';
import { Webhook } from '../webhooks/webhook.entity';
import { WebhookEvent } from '../webhooks/webhook-event.entity';
import { WebhookDelivery } from '../webhooks/webhook-delivery.entity';
import { Bounce } from '../bounces/bounce.entity';
import { BounceSettings } from '../bounces/bounce-settings.entity';

/** Every entity, in one list shared by the app and the migration CLI. */
export const ENTITIES = [
  Site,
  ApiKey,
  Policy,
  Subscriber,
  SubscriberEvent,
  Suppression,
  Template,
  Message,
  DevMail,
  Bulletin,
  Delivery,
  Webhook,
  WebhookEvent,
  WebhookDelivery,
  Bounce,
  BounceSettings,
];
