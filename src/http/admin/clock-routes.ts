/**
 * `GET /__admin/clock` and `PUT /__admin/clock`: the server's virtual clock (docs/behaviour.md,
 * "Virtual clock"), which every time the server uses reads.
 */
import type { ClockCommand, ClockControl, ClockView } from '../../domain/admin/clock.js';
import { adminErrors } from '../../domain/admin/errors.js';
import { formatDateTime } from '../../domain/drf/time.js';
import type { AdminOperation } from './routes.js';

export const clockSchema = {
  type: 'object',
  required: ['now', 'frozen', 'real', 'offset_seconds'],
  properties: {
    now: {
      type: 'string',
      format: 'date-time',
      description: "The server's time, RFC 3339 in UTC, as the API renders times (`2030-01-01T00:00:00Z`).",
    },
    frozen: { type: 'boolean', description: 'True while the clock stands still.' },
    real: {
      type: 'boolean',
      description: 'True when the clock is real time (no frozen instant, no offset).',
    },
    offset_seconds: {
      type: 'number',
      description: 'The server time minus real time, in seconds (to the microsecond), at this answer.',
    },
  },
} as const;

const KEYS = ['frozen_at', 'advance_seconds', 'real', 'frozen'] as const;

export const clockBody = {
  type: 'object',
  additionalProperties: false,
  description: `Exactly one of ${KEYS.map((k) => `\`${k}\``).join(', ')}.`,
  properties: {
    frozen_at: {
      type: 'string',
      description:
        'Freeze the clock at this instant: RFC 3339 with `Z` or an offset, fractions to the microsecond, from 1970 to before 2200. Earlier than now moves the clock back.',
    },
    advance_seconds: {
      type: 'number',
      description:
        'Move the clock by this many seconds (fractions to the microsecond; negative moves it back). A frozen clock stays frozen at the new instant; a running one runs on, shifted.',
    },
    real: { type: 'boolean', const: true, description: 'Back to real time.' },
    frozen: {
      type: 'boolean',
      description: '`true`: freeze where the clock stands; `false`: let it run on from there.',
    },
  },
} as const;

interface ClockWire {
  frozen_at?: string;
  advance_seconds?: number;
  real?: true;
  frozen?: boolean;
}

export const clockView = (view: ClockView) => ({
  now: formatDateTime(view.nowUs),
  frozen: view.frozen,
  real: view.real,
  offset_seconds: view.offsetUs / 1_000_000,
});

function commandOf(body: ClockWire | null): ClockCommand {
  const given = KEYS.filter((key) => body?.[key] !== undefined);
  if (given.length !== 1 || body === null)
    throw adminErrors.invalidRequest(
      `body must have exactly one of frozen_at, advance_seconds, real, frozen (got ${given.length === 0 ? 'none' : given.join(', ')}).`,
    );
  if (body.frozen_at !== undefined) return { kind: 'freeze_at', instant: body.frozen_at };
  if (body.advance_seconds !== undefined) return { kind: 'advance', seconds: body.advance_seconds };
  if (body.real !== undefined) return { kind: 'real' };
  return { kind: body.frozen === true ? 'freeze' : 'run' };
}

export function clockOperations(control: ClockControl): AdminOperation[] {
  return [
    {
      method: 'GET',
      path: '/clock',
      operationId: 'getClock',
      summary: "The server's clock: its time, and whether it is frozen or real.",
      success: { status: 200, description: 'The clock.', schema: clockSchema },
      errors: {},
      handle: async () => clockView(control.view()),
    },
    {
      method: 'PUT',
      path: '/clock',
      operationId: 'setClock',
      summary:
        'Freeze, set, advance or release the clock that every time of the server reads (timestamps, token expiry, list windows, rate limits, webhook retries). Stored in the database, so every instance on it and a restart follow. Answers once the webhook deliveries it made due have been attempted.',
      body: clockBody,
      success: { status: 200, description: 'The clock after the change.', schema: clockSchema },
      errors: {
        400: 'Not exactly one of `frozen_at`, `advance_seconds`, `real`, `frozen`; not an RFC 3339 instant; or an instant outside 1970 to 2200 (`invalid_request`). Nothing changed.',
      },
      handle: async ({ body }) => clockView(await control.change(commandOf(body as ClockWire | null))),
    },
  ];
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The app's clock controls; the admin API's clock operations use them, on whichever port. */
    clockControl: ClockControl;
  }
}
