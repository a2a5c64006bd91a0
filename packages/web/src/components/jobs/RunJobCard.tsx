/**
 * "Run a job": a built-in WASI program over one of your files, your own WASI module, or your own
 * ONNX model with inline input tensors. Signed with the browser's key; input keys are re-wrapped
 * here to the nodes the hub chose (JobsApi.submit). The job then appears in the list below.
 */
import { useCallback, useState, type FormEvent } from 'react'
import type { Job, ObjectSummary } from '@w3ai/protocol'
import { useHubData } from '../../hooks/use-hub-data.js'
import type { JobsApi } from '../../jobs/api.js'
import { BUILTIN_PROGRAMS } from '../../jobs/builtin-programs.js'
import { builtinOf, EXAMPLE_TENSORS, INITIAL_FORM, jobOf, type ProgramChoice, type RunForm } from '../../jobs/run-form.js'
import type { StorageApi } from '../../storage/hub-api.js'
import type { BrowserIdentity } from '../../storage/identity.js'
import { uploadFile } from '../../storage/upload.js'

interface RunJobCardProps {
  api: StorageApi
  jobs: JobsApi
  identity: BrowserIdentity
  onSubmitted: (job: Job) => void
}

const label = (o: ObjectSummary): string => `${o.name ?? o.cid.slice(0, 16) + '…'} (${o.size.toLocaleString('en-US')} B)`

function ObjectSelect({ value, objects, onChange, testId, none, filter }: { value: string; objects: ObjectSummary[]; onChange: (cid: string) => void; testId: string; none: string; filter?: (o: ObjectSummary) => boolean }) {
  const shown = filter === undefined ? objects : objects.filter(filter)
  return (
    <select data-testid={testId} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{none}</option>
      {shown.map((o) => (
        <option key={o.cid} value={o.cid}>
          {label(o)}
        </option>
      ))}
    </select>
  )
}

const isBuiltinFile = (o: ObjectSummary): boolean => BUILTIN_PROGRAMS.some((p) => p.fileName === o.name)

export function RunJobCard({ api, jobs, identity, onSubmitted }: RunJobCardProps) {
  const [form, setForm] = useState<RunForm>(INITIAL_FORM)
  const [busy, setBusy] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const listObjects = useCallback(() => api.list(), [api])
  const objects = useHubData(listObjects, version)
  const all = objects.data ?? []
  const files = all.filter((o) => !isBuiltinFile(o))
  const set = (patch: Partial<RunForm>): void => setForm((f) => ({ ...f, ...patch }))
  const builtin = builtinOf(form.program)

  /** The built-in module's CID: stored once per account, found again by name and size. */
  const storeBuiltin = async (): Promise<string | undefined> => {
    if (builtin === undefined) return undefined
    const bytes = builtin.bytes()
    const existing = (await api.list()).find((o) => o.name === builtin.fileName && o.size === bytes.byteLength && o.owner === identity.id && o.minHealthyPieces >= o.redundancy.k)
    if (existing !== undefined) return existing.cid
    setBusy('Storing the built-in program…')
    return (await uploadFile(api, identity, new Blob([bytes]), { name: builtin.fileName })).cid
  }

  const onSubmit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (busy !== null) return
    setError(null)
    try {
      jobOf(form, builtin === undefined ? undefined : 'pending') // form errors before any upload
      setBusy('Preparing…')
      const module = await storeBuiltin()
      setBusy('Submitting…')
      const job = await jobs.submit(jobOf(form, module), identity)
      onSubmitted(job)
      setVersion((v) => v + 1)
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(null)
    }
  }

  return (
    <section className="card run-job-card" data-testid="run-job">
      <header className="card-head">
        <h2>Run a job</h2>
        <button type="button" className="link" onClick={() => setVersion((v) => v + 1)}>
          Refresh files
        </button>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void onSubmit(e)}>
        <label>
          Program
          <select data-testid="run-program" value={form.program} onChange={(e) => set({ program: e.target.value as ProgramChoice, code: '' })}>
            {BUILTIN_PROGRAMS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label} (built-in)
              </option>
            ))}
            <option value="wasm">My WASI module (.wasm)</option>
            <option value="onnx">My ONNX model (.onnx)</option>
          </select>
        </label>
        {builtin !== undefined && <p className="note">Runs a small WASI program on a node: it {builtin.description}.</p>}
        {form.program !== 'onnx' && builtin === undefined && (
          <label>
            Module
            <ObjectSelect testId="run-code" value={form.code} objects={all} onChange={(code) => set({ code })} none="Pick a stored .wasm…" />
          </label>
        )}
        {form.program === 'onnx' && (
          <label>
            Model
            <ObjectSelect testId="run-code" value={form.code} objects={all} onChange={(code) => set({ code })} none="Pick a stored .onnx…" />
          </label>
        )}
        {form.program !== 'onnx' && (
          <label>
            Input file
            <ObjectSelect testId="run-input" value={form.input} objects={files} onChange={(input) => set({ input })} none={builtin === undefined ? 'No input (empty stdin)' : 'Pick one of your files…'} />
          </label>
        )}
        {form.program === 'wasm' && (
          <label>
            Arguments
            <input type="text" data-testid="run-args" value={form.args} placeholder="space-separated" onChange={(e) => set({ args: e.target.value })} />
          </label>
        )}
        {form.program === 'onnx' && (
          <label className="wide">
            Input tensors (JSON)
            <textarea data-testid="run-tensors" rows={3} value={form.tensors} placeholder={EXAMPLE_TENSORS} onChange={(e) => set({ tensors: e.target.value })} />
          </label>
        )}
        {objects.data !== null && files.length === 0 && builtin !== undefined && (
          <p className="note" data-testid="run-no-files">
            You have no files yet: upload one on the <a href="#storage">Storage</a> tab first.
          </p>
        )}
        <div className="run-job-actions">
          <button type="submit" className="primary" data-testid="run-submit" disabled={busy !== null}>
            {busy ?? 'Run job'}
          </button>
        </div>
        {error !== null && (
          <p className="error" data-testid="run-error">
            {error}
          </p>
        )}
        {objects.error !== null && <p className="error">{objects.error}</p>}
      </form>
    </section>
  )
}
