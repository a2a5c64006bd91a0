/**
 * An app listing's "Run" form, kept apart from React so it is unit-tested: the template on the
 * app's card (checked with @w3ai/market's validateCard), a text field per typed param, the values
 * bound by bindParams (defaults filled, each parsed by its type and checked against its bounds),
 * and what a launch does with them:
 * - a `job` template is one compute job on the hub's jobs API, submitted as the Jobs tab submits
 *   (cid params become the job's inputs, the rest joins the template's fixed spec: a train job's
 *   `spec`, the params of the others), as `w3ai app run` does;
 * - the `builtin` recommender runs on the user's side, as @w3ai/market ships it: here, in the page
 *   (recommender.ts), and its model is then stored and scored on a node through the jobs API;
 * - `pipeline` and `federated` templates need what the dashboard does not have (see `missing`).
 */
import { bindParams, validateCard, type AppCard, type AppTemplate, type BoundParams, type ParamSpec } from '@w3ai/market/portable'
import type { JobSubmit, Listing } from '@w3ai/protocol'

/** The app's template, or null with the reason when the listing holds none that checks. */
export function appTemplateOf(listing: Pick<Listing, 'kind' | 'card'>): { template: AppTemplate; card: AppCard } | { error: string } {
  if (listing.kind !== 'app') return { error: 'Only app listings are runnable.' }
  try {
    const card = validateCard(listing.card, 'app') as AppCard
    return { template: card.template, card }
  } catch (err) {
    return { error: `This app's card holds no valid template: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** The form's first values: each param's default as text, '' where it has none. */
export function initialValues(template: AppTemplate): Record<string, string> {
  return Object.fromEntries(template.params.map((p) => [p.name, p.default === undefined ? '' : String(p.default)]))
}

/** What the field for `param` says about it: its type, bounds and whether it may stay empty. */
export function paramHint(param: ParamSpec): string {
  const bounds = param.min !== undefined && param.max !== undefined ? ` ${param.min}…${param.max}` : param.min !== undefined ? ` ≥ ${param.min}` : param.max !== undefined ? ` ≤ ${param.max}` : ''
  const need = param.default !== undefined ? `default ${String(param.default)}` : param.optional === true ? 'optional' : 'required'
  return `${param.type}${bounds}, ${need}`
}

/** The typed values of the form; empty fields take their default (or stay unset when optional). Throws MARKET_INVALID_PARAM's message. */
export function bindForm(template: AppTemplate, values: Readonly<Record<string, string>>): BoundParams {
  const given: Record<string, string> = {}
  for (const [name, value] of Object.entries(values)) if (value.trim() !== '') given[name] = value.trim()
  try {
    return bindParams(template, given)
  } catch (err) {
    throw new Error(err instanceof Error ? err.message : String(err))
  }
}

export type Launch =
  | { kind: 'job'; job: JobSubmit }
  | { kind: 'recommender'; params: BoundParams }
  /** What the template needs that the hub or this page lacks, in words. */
  | { kind: 'missing'; missing: string }

const INPUT_NAME = /^[a-z][a-z0-9_-]{0,31}$/

/** What running `template` with `bound` does. Throws when a param cannot be used as the template says. */
export function launchOf(template: AppTemplate, bound: BoundParams): Launch {
  const runnable = template.runnable
  switch (runnable.kind) {
    case 'job': {
      const inputs: Record<string, string> = {}
      const params: Record<string, unknown> = { ...(runnable.spec ?? {}) }
      for (const p of template.params) {
        const value = bound[p.name]
        if (value === undefined) continue
        if (p.type === 'cid') {
          if (!INPUT_NAME.test(p.name)) throw new Error(`param ${p.name}: a job input is named in lower case (${INPUT_NAME.source})`)
          inputs[p.name] = value as string
        } else params[p.name] = value
      }
      // A train job takes its layer spec under `spec` (as `w3ai app run` sends it); the others take the params as they are.
      const body = runnable.executor === 'train' ? { spec: params } : Object.keys(params).length === 0 ? undefined : params
      return { kind: 'job', job: { executor: runnable.executor, inputs, ...(body === undefined ? {} : { params: body }) } }
    }
    case 'builtin':
      return { kind: 'recommender', params: bound }
    case 'pipeline':
      return {
        kind: 'missing',
        missing:
          'A pipeline template is not launched from the dashboard: the Pipelines tab only follows pipelines (a private inference pipeline encrypts its rows on the client with HE keys the SDK makes), and the hub has no route that starts one from an app template and its params. (`w3ai app run` does not launch pipeline templates yet either.)',
      }
    case 'federated':
      return {
        kind: 'missing',
        missing:
          'A federated training template is not launched from the dashboard: the Federated tab only follows trainings, and the hub has no route that turns an app template and its params into one. (`w3ai app run` does not launch federated templates yet either.)',
      }
  }
}
