/** A coloured pill for a job status (or a status that maps to a job's colours); the word is always shown, colour only helps. */
export function JobStatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge job-badge job-${status}`} data-testid="job-status">
      <span className="dot" aria-hidden="true" />
      {label ?? status}
    </span>
  )
}
