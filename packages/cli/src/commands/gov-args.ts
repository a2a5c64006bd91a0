/**
 * Arguments of `w3ai gov` and `w3ai params`, checked before any request (CLI_BAD_ARGUMENT naming
 * the value): `--set name=value` changes (value: a whole number — basis points, ms, a count or
 * units — or an amount of tokens written with a `tokens` suffix), proposal ids, vote choices.
 * Whether a name is a parameter and a value within its bounds is the hub's answer (GOV_BAD_PARAMETER).
 */
import { parseTokens } from '@w3ai/ledger'
import { MAX_PROPOSAL_CHANGES, MAX_PROPOSAL_DESCRIPTION, PROPOSAL_STATUS_NAMES, VOTE_SUPPORT_NAMES, type ProposalStatusName, type VoteSupportName } from '@w3ai/protocol'
import { badArgument } from '../args.js'

const NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/
const WHOLE = /^(0|[1-9][0-9]{0,38})$/
const TOKENS = /^([0-9.]+)\s*tokens?$/
const PROPOSAL_ID = /^gp_[0-9a-f]{24}$/

export interface Change {
  name: string
  value: string
}

/** One `--set name=value`, collected after the ones before it. */
export function parseSet(value: string, previous: Change[] = []): Change[] {
  const eq = value.indexOf('=')
  const name = value.slice(0, Math.max(eq, 0)).trim()
  const raw = value.slice(eq + 1).trim()
  if (eq < 1 || !NAME.test(name)) throw badArgument('--set', value, 'name=value with a parameter name (see `w3ai params`)')
  let parsed: string
  const tokens = TOKENS.exec(raw)
  if (tokens) {
    try {
      parsed = parseTokens(tokens[1] as string).toString()
    } catch {
      throw badArgument('--set', value, 'an amount like 150tokens (at most 18 decimals)')
    }
  } else if (WHOLE.test(raw)) {
    parsed = raw
  } else {
    throw badArgument('--set', value, 'a whole number (basis points, ms, a count or units) or tokens like 150tokens')
  }
  if (previous.some((c) => c.name === name)) throw badArgument('--set', value, `each parameter once (${name} is set twice)`)
  if (previous.length >= MAX_PROPOSAL_CHANGES) throw badArgument('--set', value, `at most ${MAX_PROPOSAL_CHANGES} changes in one proposal`)
  return [...previous, { name, value: parsed }]
}

export function parseDescription(value: string): string {
  if (value.length > MAX_PROPOSAL_DESCRIPTION) throw badArgument('--description', value.slice(0, 40) + '…', `at most ${MAX_PROPOSAL_DESCRIPTION} characters`)
  return value
}

export function parseProposalId(value: string): string {
  if (!PROPOSAL_ID.test(value)) throw badArgument('ID', value, 'a proposal id like gp_0123456789abcdef01234567')
  return value
}

export function parseSupport(value: string): VoteSupportName {
  if (!(VOTE_SUPPORT_NAMES as readonly string[]).includes(value)) throw badArgument('SUPPORT', value, VOTE_SUPPORT_NAMES.join(', '))
  return value as VoteSupportName
}

export function parseProposalStatus(value: string): ProposalStatusName {
  if (!(PROPOSAL_STATUS_NAMES as readonly string[]).includes(value)) throw badArgument('--status', value, PROPOSAL_STATUS_NAMES.join(', '))
  return value as ProposalStatusName
}
