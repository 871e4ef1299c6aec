import type {
  Account,
  Credential,
  CredentialSecret,
  Integration,
  NewIntegration,
  ShipmentListQuery,
  ShipmentSelector,
  ShipmentWrite,
  StoredShipment,
  UpsertOutcome,
} from '../domain/types.js';

/**
 * The one persistence interface. SQLite and PostgreSQL implement it equally (one contract suite proves
 * it). Every write resolves only after its transaction has committed durably.
 */
export interface Store {
  readonly dialect: 'sqlite' | 'postgres';

  /** Applies pending migrations; safe to call from several processes at once. Returns the ids applied. */
  migrate(): Promise<string[]>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  createAccount(input: { partner: boolean; nowUs: number }): Promise<Account>;
  getAccount(id: number): Promise<Account | null>;
  setAccountPartner(id: number, partner: boolean): Promise<boolean>;
  countAccounts(): Promise<number>;

  createCredential(input: {
    accountId: number;
    publicKey: string;
    secretHash: string;
    oauthOnly: boolean;
    nowUs: number;
  }): Promise<Credential>;
  /** Looks up a credential for authentication; revoked ones are returned too (the caller refuses them). */
  findCredential(publicKey: string): Promise<CredentialSecret | null>;
  listCredentials(accountId: number | null): Promise<Credential[]>;
  revokeCredential(publicKey: string, nowUs: number): Promise<boolean>;

  createIntegration(accountId: number, input: NewIntegration, nowUs: number): Promise<Integration>;
  /** The integration if it exists and belongs to the account; another account's is null (→ 404). */
  getIntegration(accountId: number, id: number): Promise<Integration | null>;
  listIntegrations(accountId: number | null): Promise<Integration[]>;

  /** Applies the writes in order in one transaction; each item's outcome in the same order. */
  upsertShipments(integrationId: number, writes: ShipmentWrite[], nowUs: number): Promise<UpsertOutcome[]>;
  deleteShipment(integrationId: number, selector: ShipmentSelector): Promise<boolean>;
  listShipments(query: ShipmentListQuery): Promise<StoredShipment[]>;
}
