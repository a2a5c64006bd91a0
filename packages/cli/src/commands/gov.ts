/**
 * `w3ai gov propose|vote|show|ls|cancel`: governance of the network parameters. A proposal changes
 * parameters (`--set name=value`, see `w3ai params`); holders vote with their balance plus stake
 * at the proposal's snapshot; it passes with quorum and threshold and is executed after the
 * timelock. Reads need no identity; proposing and voting sign with the account in the home.
 */
import type { Command } from 'commander'
import { DEFAULT_PAGE_LIMIT, type ProposalStatusName, type VoteSupportName } from '@w3ai/protocol'
import { GovernanceClient } from '@w3ai/sdk'
import { accountIdentityOf, hubClientOf, type CommonFlags } from '../context.js'
import { createOut, table } from '../output.js'
import { withCommon } from './common.js'
import { parseDescription, parseProposalId, parseProposalStatus, parseSet, parseSupport, type Change } from './gov-args.js'
import { describeProposal, describeVote, PROPOSAL_COLUMNS, proposalRow } from './gov-views.js'
import { listWith, moreNote, withListOptions, type ListFlags } from './paging.js'

/** A governance client signing as the account in the home. */
async function signedGov(flags: CommonFlags): Promise<GovernanceClient> {
  const identity = await accountIdentityOf(flags)
  return new GovernanceClient(await hubClientOf(flags, identity))
}

export async function publicGov(flags: CommonFlags): Promise<GovernanceClient> {
  return new GovernanceClient(await hubClientOf(flags))
}

export function registerGovCommands(program: Command): void {
  const gov = program.command('gov').description('governance: propose changes to the network parameters, vote, follow proposals')

  withCommon(gov.command('propose'))
    .description('propose changes to network parameters (values as `w3ai params` shows their units; amounts may be written 150tokens)')
    .requiredOption('--set <name=value>', 'a change; repeat for several', parseSet)
    .option('--description <text>', 'what the change is for', parseDescription)
    .action(async (flags: CommonFlags & { set: Change[]; description?: string }) => {
      const client = await signedGov(flags)
      const p = await client.propose(flags.set, flags.description === undefined ? {} : { description: flags.description })
      createOut(flags.json === true).result(p, () => describeProposal(p))
    })

  withCommon(gov.command('vote'))
    .description("vote on a proposal with your balance plus stake at its snapshot; once, while its vote is open")
    .argument('<id>', 'the proposal id (gp_…)', parseProposalId)
    .argument('<support>', 'for, against or abstain', parseSupport)
    .action(async (id: string, support: VoteSupportName, flags: CommonFlags) => {
      const client = await signedGov(flags)
      const a = await client.vote(id, support)
      createOut(flags.json === true).result(a, () => describeVote(a))
    })

  withCommon(gov.command('show'))
    .description('a proposal: changes, schedule, live status and tally')
    .argument('<id>', 'the proposal id (gp_…)', parseProposalId)
    .action(async (id: string, flags: CommonFlags) => {
      const p = await (await publicGov(flags)).get(id)
      createOut(flags.json === true).result(p, () => describeProposal(p))
    })

  withListOptions(withCommon(gov.command('ls')))
    .description(`proposals, newest first: the first ${DEFAULT_PAGE_LIMIT}, --limit N or --all (--json prints an array)`)
    .option('--status <status>', 'only proposals with this recorded status', parseProposalStatus)
    .action(async (flags: CommonFlags & ListFlags & { status?: ProposalStatusName }) => {
      const client = await publicGov(flags)
      const filter = flags.status === undefined ? {} : { status: flags.status }
      const listed = await listWith(flags, { list: (q) => client.list({ ...q, ...filter }), all: (q) => client.all({ ...q, ...filter }) })
      createOut(flags.json === true).result(listed.items, () => (listed.items.length === 0 ? 'no proposals' : table(PROPOSAL_COLUMNS, listed.items.map(proposalRow))))
      moreNote(listed, 'proposals', 'w3ai gov ls')
    })

  withCommon(gov.command('cancel'))
    .description('withdraw your proposal before its vote opens')
    .argument('<id>', 'the proposal id (gp_…)', parseProposalId)
    .action(async (id: string, flags: CommonFlags) => {
      const p = await (await signedGov(flags)).cancel(id)
      createOut(flags.json === true).result(p, () => describeProposal(p))
    })
}
