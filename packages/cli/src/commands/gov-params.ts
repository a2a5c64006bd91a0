/** `w3ai params`: the network parameters every part of the network reads, with bounds and the proposal that set each. */
import type { Command } from 'commander'
import { createOut, table } from '../output.js'
import type { CommonFlags } from '../context.js'
import { withCommon } from './common.js'
import { publicGov } from './gov.js'
import { PARAMETER_COLUMNS, parameterRow } from './gov-views.js'

export function registerParamsCommand(program: Command): void {
  withCommon(program.command('params'))
    .description('the network parameters: value, default, bounds, and the proposal that last set each (change them with `w3ai gov propose`)')
    .action(async (flags: CommonFlags) => {
      const parameters = await (await publicGov(flags)).parameters()
      createOut(flags.json === true).result(parameters, () => table(PARAMETER_COLUMNS, parameters.map(parameterRow)))
    })
}
