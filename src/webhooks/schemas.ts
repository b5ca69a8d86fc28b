import { z } from 'zod';
import { eventTypes, isEventType } from '../events/catalogue.js';
import { allEvents } from './queue.js';

export const maxUrlLength = 2048;
export const maxDescriptionLength = 500;

const webhookUrl = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .max(maxUrlLength, { error: `must be at most ${maxUrlLength} characters` })
  .superRefine((value, context) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      context.addIssue({ code: 'custom', message: `must be an absolute http or https URL, got ${JSON.stringify(value)}` });

      return;
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      context.addIssue({ code: 'custom', message: `must use https (or http), got ${url.protocol.replace(/:$/, '')}` });
    }
    if (url.username !== '' || url.password !== '') {
      context.addIssue({
        code: 'custom',
        message: 'must not contain a user name or password; verify deliveries with the signing secret instead',
      });
    }
    if (url.hash !== '') {
      context.addIssue({ code: 'custom', message: 'must not contain a fragment (#...), which is never sent' });
    }
  });

const eventList = z
  .array(z.string({ error: 'must be a string' }), { error: `must be an array of event types or ["${allEvents}"]` })
  .min(1, { error: `must list at least one event type, or "${allEvents}" for all` })
  .superRefine((values, context) => {
    values.forEach((value, index) => {
      if (value !== allEvents && !isEventType(value)) {
        context.addIssue({
          code: 'custom',
          path: [index],
          message: `must be "${allEvents}" or one of ${eventTypes.join(', ')}, got ${JSON.stringify(value)}`,
        });
      }
    });
    if (values.includes(allEvents) && values.length > 1) {
      context.addIssue({ code: 'custom', message: `"${allEvents}" already covers every event type; list it alone` });
    }
  })
  .transform((values) => [...new Set(values)]);

const enabled = z.boolean({ error: 'must be true or false' });

const description = z
  .string({ error: 'must be a string' })
  .trim()
  .max(maxDescriptionLength, { error: `must be at most ${maxDescriptionLength} characters` });

/** A new webhook endpoint; without `events` it receives every event type. */
export const createWebhookInput = z.strictObject({
  url: webhookUrl,
  events: eventList.default([allEvents]),
  enabled: enabled.default(true),
  description: description.default(''),
});

/** Changes to an endpoint; omitted fields keep their values. */
export const updateWebhookInput = z.strictObject({
  url: webhookUrl.optional(),
  events: eventList.optional(),
  enabled: enabled.optional(),
  description: description.optional(),
});

export type CreateWebhookInput = z.input<typeof createWebhookInput>;
export type UpdateWebhookInput = z.input<typeof updateWebhookInput>;
