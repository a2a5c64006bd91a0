/** A coloured pill for a job status; the word is always shown, colour only helps. */
export function JobStatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge job-badge job-${status}`} data-testid="job-status">
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  )
}
