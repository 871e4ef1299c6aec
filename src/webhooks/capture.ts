import type { Config } from '../config.js';
import type { Sender } from './dispatcher.js';

/**
 * Capture mode's sender: every delivery is recorded as delivered at once, with no name lookup and no
 * connection, so a suite can read what would have been sent (`GET /__admin/webhooks`) without a
 * receiver, and a URL a client set is never contacted. The attempt has neither a status code nor an
 * error, which no sent attempt can have: that is how a captured attempt is told apart afterwards.
 */
export const captureDelivery: Sender = () => Promise.resolve({ kind: 'captured', statusCode: null });

/** The dispatcher's sender for the configured mode; undefined keeps its HTTP POST. */
export const senderFor = (mode: Config['webhookDelivery']): Sender | undefined =>
  mode === 'capture' ? captureDelivery : undefined;
