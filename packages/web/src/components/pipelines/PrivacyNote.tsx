/** The pipeline's privacy level in plain words: what the computing node sees, and what it does not. */
import { privacyNote } from '../../pipelines/stages.js'

export function PrivacyNote({ privacy }: { privacy: string }) {
  const { title, note } = privacyNote(privacy)
  return (
    <p className={`pipeline-privacy pipeline-privacy-${privacy}`} data-testid="pipeline-privacy" data-privacy={privacy}>
      <strong>{title}</strong> <code>{privacy}</code> · <span className="muted">{note}</span>
    </p>
  )
}
