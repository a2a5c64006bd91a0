/** SQL for user accounts, keyed by their ed25519 public key. */
import type { Account } from '@w3ai/protocol'
import type { Queryable } from '../../db/types.js'

interface AccountRow {
  id: string
  public_key: string
  encryption_key: string | null
  name: string | null
  created_at: Date | string
}

function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    publicKey: r.public_key,
    encryptionKey: r.encryption_key,
    name: r.name,
    createdAt: (r.created_at instanceof Date ? r.created_at : new Date(r.created_at)).toISOString(),
  }
}

export class AccountStore {
  constructor(private readonly db: Queryable) {}

  /** Creates the account; returns undefined when one with this key exists. */
  async create(id: string, publicKey: string, encryptionKey: string | null, name: string | null): Promise<Account | undefined> {
    const r = await this.db.query<AccountRow>(
      `INSERT INTO accounts (id, public_key, encryption_key, name) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING RETURNING id, public_key, encryption_key, name, created_at`,
      [id, publicKey, encryptionKey, name],
    )
    const row = r.rows[0]
    return row === undefined ? undefined : toAccount(row)
  }

  async get(id: string): Promise<Account | undefined> {
    const r = await this.db.query<AccountRow>('SELECT id, public_key, encryption_key, name, created_at FROM accounts WHERE id = $1', [id])
    const row = r.rows[0]
    return row === undefined ? undefined : toAccount(row)
  }
}
