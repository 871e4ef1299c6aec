import type { Store } from '../../storage/store.js';
import type { Clock } from '../clock.js';
import {
  INVALID,
  isPlainObject,
  pe,
  pyBool,
  pyEnum,
  pyInt,
  pyList,
  pyModel,
  pyStr,
} from '../pydantic/index.js';
import type { ErrorItem, Validator } from '../pydantic/index.js';
import type { Integration, ShopOrderStatus, StatusMappingEntry } from '../types.js';
import { attributesPointer, bodySource, v3Errors } from './common-errors.js';
import { formatTimestamp } from './time.js';

/** The reference's languages and Sendcloud's internal status categories (its enums). */
export const LANGUAGES = ['en-us', 'en-gb', 'fr-fr', 'de-de', 'nl-nl', 'es-es', 'it-it'] as const;
export const STATUS_CATEGORIES = ['READY_TO_SEND', 'IN_TRANSIT', 'DELIVERED', 'CANCEL'] as const;
const DEFAULT_LANGUAGE = 'en-gb';

/** `Optional[T]` without a default: the member must be present, and may be null. */
const nullable =
  <T>(inner: Validator<T>): Validator<T | null> =>
  (input, loc, errors) =>
    input === null ? null : inner(input, loc, errors);

const translation = pyModel('Translation', {
  status: { validator: pyStr(), required: true },
  language: { validator: pyEnum(LANGUAGES), required: true },
});
const declaration = pyModel('PostShopOrderStatuses', {
  integration_id: { validator: pyInt(), required: true },
  statuses: {
    validator: pyList(
      pyModel('AvailableStatus', {
        external_id: { validator: pyStr(), required: true },
        translations: { validator: pyList(translation, { minLength: 1, maxLength: 7 }), required: true },
      }),
    ),
    required: true,
  },
});
const mappingDeclaration = pyModel('CreateCustomStatusMapping', {
  integration_id: { validator: pyInt(), required: true },
  mapping: {
    validator: pyList(
      pyModel('StatusMapping', {
        status_category: { validator: pyEnum(STATUS_CATEGORIES), required: true },
        external_id: { validator: nullable(pyStr()), required: true },
      }),
      { minLength: 4, maxLength: 4 },
    ),
    required: true,
  },
});

/** A body member's value, or the V3Error listing every Pydantic error of the body. */
function validBody<T>(validator: Validator<T>, body: unknown): T {
  if (!isPlainObject(body)) throw v3Errors.wrongFormat();
  const errors: ErrorItem[] = [];
  const value = validator(body, [], errors);
  if (value === INVALID) throw v3Errors.validation(errors, bodySource);
  return value;
}

/** A query parameter through a Pydantic validator, its errors at `source.parameter`. */
function queryValue<T>(validator: Validator<T>, name: string, raw: string): T {
  const errors: ErrorItem[] = [];
  const value = validator(raw, [name], errors);
  if (value === INVALID) throw v3Errors.validation(errors, () => ({ parameter: name }));
  return value;
}

/** The status name shown: the language asked for, else `en-gb`, else the first language alphabetically. */
function statusIn(status: ShopOrderStatus, language: string | null): string {
  const pick = (lang: string) => status.translations.find((t) => t.language === lang)?.status;
  const first = [...status.translations].sort((a, b) => (a.language < b.language ? -1 : 1))[0];
  return (language === null ? undefined : pick(language)) ?? pick(DEFAULT_LANGUAGE) ?? first?.status ?? '';
}

export interface StatusQuery {
  integrationId: string | null;
  language: string | null;
  showDeleted: string | null;
}

/**
 * v3's shop order statuses (reference paths `/shop-order-statuses` and `/shop-order-statuses/mapping`):
 * the statuses a shop declares with their translations, and how Sendcloud's four status categories map
 * onto them. The integration is named in the query (GET) or the body (POST) and must be the caller's.
 */
export class ShopOrderStatusService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** The caller's integration a query names; the reference's 400 when it names none. */
  private async queried(accountId: number, raw: string | null): Promise<Integration> {
    if (raw === null || raw === '') throw v3Errors.integrationIdRequired();
    const id = queryValue(pyInt({ gt: 0 }), 'integration_id', raw);
    const integration = Number.isSafeInteger(id) ? await this.store.getIntegration(accountId, id) : null;
    // Another account's integration is as unknown as one that does not exist.
    if (integration === null) throw v3Errors.integrationNotFound();
    return integration;
  }

  /** The caller's integration a body names, or 400 at its pointer (as a batch names an integration). */
  private async named(accountId: number, id: number): Promise<Integration> {
    const integration = Number.isSafeInteger(id) ? await this.store.getIntegration(accountId, id) : null;
    if (integration === null) {
      throw v3Errors.invalid(`Integration with id ${id} does not exist`, {
        pointer: attributesPointer(['integration_id']),
      });
    }
    return integration;
  }

  async list(accountId: number, query: StatusQuery) {
    const integration = await this.queried(accountId, query.integrationId);
    const language =
      query.language === null ? null : queryValue(pyEnum(LANGUAGES), 'language', query.language);
    const showDeleted =
      query.showDeleted === null ? false : queryValue(pyBool, 'show_deleted', query.showDeleted);
    const statuses = await this.store.listShopOrderStatuses(integration.id);
    return {
      data: statuses
        .filter((s) => showDeleted || s.deletedAtUs === null)
        .map((s) => ({
          external_id: s.externalId,
          status: statusIn(s, language),
          // The schema allows no null: a status that is not deleted has no `deleted_at`.
          ...(s.deletedAtUs === null ? {} : { deleted_at: formatTimestamp(s.deletedAtUs) }),
          translations: s.translations.map((t) => ({ status: t.status, language: t.language })),
        })),
    };
  }

  /** Replaces the integration's statuses: new ones created, named ones changed, the others deleted. */
  async declare(accountId: number, body: unknown): Promise<void> {
    const value = validBody(declaration, body);
    const statuses = value.statuses as {
      external_id: string;
      translations: { status: string; language: string }[];
    }[];
    // The reference's `uniqueItems`: one entry per status, one translation per language.
    const duplicates: ErrorItem[] = [];
    const seen = new Set<string>();
    statuses.forEach((status, i) => {
      if (seen.has(status.external_id)) {
        duplicates.push(
          pe.valueError(
            ['statuses', i, 'external_id'],
            status.external_id,
            `Duplicate external_id '${status.external_id}'`,
          ),
        );
      }
      seen.add(status.external_id);
      const languages = new Set<string>();
      status.translations.forEach((t, j) => {
        if (languages.has(t.language)) {
          duplicates.push(
            pe.valueError(
              ['statuses', i, 'translations', j, 'language'],
              t.language,
              `Duplicate language '${t.language}'`,
            ),
          );
        }
        languages.add(t.language);
      });
    });
    if (duplicates.length > 0) throw v3Errors.validation(duplicates, bodySource);
    const integration = await this.named(accountId, value.integration_id as number);
    await this.store.declareShopOrderStatuses(
      integration.id,
      statuses.map((s) => ({ externalId: s.external_id, translations: s.translations })),
      this.clock.nowUs(),
    );
  }

  async mapping(accountId: number, query: Pick<StatusQuery, 'integrationId'>) {
    const integration = await this.queried(accountId, query.integrationId);
    const [stored, statuses] = await Promise.all([
      this.store.getStatusMapping(integration.id),
      this.store.listShopOrderStatuses(integration.id),
    ]);
    const available = new Set(statuses.filter((s) => s.deletedAtUs === null).map((s) => s.externalId));
    return {
      data: {
        integration_id: integration.id,
        mapping: STATUS_CATEGORIES.map((category) => {
          const externalId = stored.find((m) => m.statusCategory === category)?.externalId ?? null;
          // Invalid: it points to a status that is not (or no longer) available. Nothing is valid.
          return {
            status_category: category,
            external_id: externalId,
            is_valid: externalId === null || available.has(externalId),
          };
        }),
      },
    };
  }

  /** Maps each of the four categories onto a status (or nothing); every category exactly once. */
  async setMapping(accountId: number, body: unknown): Promise<void> {
    const value = validBody(mappingDeclaration, body);
    const mapping = value.mapping as { status_category: string; external_id: string | null }[];
    const categories = new Set(mapping.map((m) => m.status_category));
    if (categories.size !== STATUS_CATEGORIES.length) {
      throw v3Errors.validation(
        [pe.valueError(['mapping'], mapping, 'Each status category must be mapped exactly once')],
        bodySource,
      );
    }
    const integration = await this.named(accountId, value.integration_id as number);
    const entries: StatusMappingEntry[] = mapping.map((m) => ({
      statusCategory: m.status_category,
      externalId: m.external_id,
    }));
    await this.store.setStatusMapping(integration.id, entries);
  }
}
