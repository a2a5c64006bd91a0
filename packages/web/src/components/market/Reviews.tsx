/**
 * A listing's reviews, newest first: the buyer's rating and text, and the seller's answer. The
 * listing's seller gets an Answer form under each (answering again replaces the answer). A buyer
 * with a delivered purchase of this listing gets the Review form (one review per purchase,
 * editable afterwards).
 */
import { useState, type FormEvent } from 'react'
import { MAX_REVIEW_TEXT_LENGTH, type Order, type Review, type ReviewCreate } from '@w3ai/protocol'
import { shortId } from '../../format.js'
import { stars } from '../../market/format.js'
import { LoadMore } from '../LoadMore.js'

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err))

function AnswerForm({ review, onAnswer }: { review: Review; onAnswer: (reviewId: string, text: string) => Promise<Review> }) {
  const [open, setOpen] = useState(false)
  const [text, setText] = useState(review.answer ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  if (!open) {
    return (
      <button type="button" className="link" data-testid="answer-open" onClick={() => setOpen(true)}>
        {review.answer === null ? 'Answer' : 'Change your answer'}
      </button>
    )
  }
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    if (text.trim() === '') return setError('Write an answer first.')
    setBusy(true)
    setError(null)
    try {
      await onAnswer(review.id, text.trim())
      setOpen(false)
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="market-answer-form" data-testid="answer-form" onSubmit={(e) => void submit(e)}>
      <textarea data-testid="answer-text" rows={2} maxLength={MAX_REVIEW_TEXT_LENGTH} value={text} onChange={(e) => setText(e.target.value)} placeholder="Your answer as the seller" />
      <div className="run-job-actions">
        <button type="submit" className="button" data-testid="answer-submit" disabled={busy}>
          {busy ? 'Sending…' : 'Send answer'}
        </button>
        <button type="button" className="link" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      {error !== null && (
        <p className="error" data-testid="answer-error">
          {error}
        </p>
      )}
    </form>
  )
}

interface ReviewListProps {
  reviews: Review[] | null
  error: string | null
  /** Whether the signed-in account sells this listing (it may answer). */
  seller: boolean
  me: string | null
  onAnswer: (reviewId: string, text: string) => Promise<Review>
  hasMore: boolean
  loadingMore: boolean
  onMore: () => void
}

export function ReviewList({ reviews, error, seller, me, onAnswer, hasMore, loadingMore, onMore }: ReviewListProps) {
  return (
    <section className="card" data-testid="reviews">
      <header className="card-head">
        <h2>Reviews</h2>
        <span className="filters">{reviews === null ? '…' : `${reviews.length}${hasMore ? '+' : ''}`}</span>
      </header>
      {error !== null && <p className="error">{error}</p>}
      {reviews !== null && reviews.length === 0 && (
        <p className="empty" data-testid="reviews-empty">
          No reviews yet. Only buyers review, once per purchase.
        </p>
      )}
      <ul className="market-reviews">
        {(reviews ?? []).map((r) => (
          <li key={r.id} className="market-review" data-testid="review" data-review-id={r.id} data-rating={r.rating} data-answered={r.answer !== null}>
            <div className="market-review-head">
              <span className="market-stars" aria-label={`${r.rating} of 5`}>
                {stars(r.rating)}
              </span>
              <span className="sub">
                by <code title={r.buyer}>{r.buyer === me ? 'you' : shortId(r.buyer)}</code> · {r.createdAt.slice(0, 10)}
                {r.updatedAt !== r.createdAt && ' (edited)'}
              </span>
            </div>
            {r.text !== '' && <p data-testid="review-text">{r.text}</p>}
            {r.answer !== null && (
              <p className="market-answer" data-testid="review-answer">
                <span className="stat-label">Seller's answer:</span> {r.answer}
              </p>
            )}
            {seller && <AnswerForm review={r} onAnswer={onAnswer} />}
          </li>
        ))}
      </ul>
      <LoadMore loaded={reviews?.length ?? 0} hasMore={hasMore} loading={loadingMore} onMore={onMore} noun="reviews" testId="reviews-more" />
    </section>
  )
}

interface ReviewFormProps {
  /** The buyer's delivered purchases of this listing, each with its review when it has one. */
  purchases: Array<{ order: Order; review: Review | undefined }>
  onReview: (orderId: string, body: ReviewCreate) => Promise<Review>
  onEdit: (reviewId: string, body: ReviewCreate) => Promise<Review>
}

export function ReviewForm({ purchases, onReview, onEdit }: ReviewFormProps) {
  const [orderId, setOrderId] = useState<string>(purchases.find((p) => p.review === undefined)?.order.id ?? purchases[0]?.order.id ?? '')
  const chosen = purchases.find((p) => p.order.id === orderId) ?? purchases[0]
  const [rating, setRating] = useState(chosen?.review?.rating ?? 5)
  const [text, setText] = useState(chosen?.review?.text ?? '')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [done, setDone] = useState<Review | null>(null)
  if (chosen === undefined) return null
  const editing = chosen.review !== undefined

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const body: ReviewCreate = { rating, ...(text.trim() === '' ? {} : { text: text.trim() }) }
      setDone(editing ? await onEdit((chosen.review as Review).id, body) : await onReview(chosen.order.id, body))
    } catch (err) {
      setError(messageOf(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" data-testid="review-form" data-editing={editing}>
      <header className="card-head">
        <h2>{editing ? 'Edit your review' : 'Review your purchase'}</h2>
      </header>
      <form className="card-body run-job-form" onSubmit={(e) => void submit(e)}>
        {purchases.length > 1 && (
          <label className="wide">
            Purchase
            <select
              data-testid="review-order"
              value={chosen.order.id}
              onChange={(e) => {
                const next = purchases.find((p) => p.order.id === e.target.value)
                setOrderId(e.target.value)
                setRating(next?.review?.rating ?? 5)
                setText(next?.review?.text ?? '')
              }}
            >
              {purchases.map((p) => (
                <option key={p.order.id} value={p.order.id}>
                  {p.order.id} ({p.order.createdAt.slice(0, 10)}){p.review === undefined ? '' : ', reviewed'}
                </option>
              ))}
            </select>
          </label>
        )}
        <label>
          Rating
          <select data-testid="review-rating" value={rating} onChange={(e) => setRating(Number(e.target.value))}>
            {[5, 4, 3, 2, 1].map((n) => (
              <option key={n} value={n}>
                {stars(n)} {n}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Review
          <textarea data-testid="review-text-input" rows={3} maxLength={MAX_REVIEW_TEXT_LENGTH} value={text} onChange={(e) => setText(e.target.value)} placeholder="What was it like?" />
        </label>
        <div className="run-job-actions">
          <button type="submit" className="primary" data-testid="review-submit" disabled={busy}>
            {busy ? 'Sending…' : editing ? 'Save review' : 'Post review'}
          </button>
        </div>
        {error !== null && (
          <p className="error" data-testid="review-error">
            {error}
          </p>
        )}
        {done !== null && error === null && (
          <p className="note" data-testid="review-done" data-review-id={done.id}>
            Thank you: your review counts in the listing's rating.
          </p>
        )}
      </form>
    </section>
  )
}
