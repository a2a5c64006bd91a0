/**
 * Live network state from the hub's event stream. `statusVersion` changes whenever counts may have
 * changed (hello, registration, status) and `loadVersion` on every load batch, so dependants such
 * as the summary know when to refresh without diffing node maps; `jobVersion` and `jobStamps`
 * follow `job.updated` events for the jobs page, `flVersion` and `flStamps` `fl.updated` for the
 * federated tab, `pipelineVersion` and `pipelineStamps` `pipeline.updated` for the pipelines tab (a
 * signed subscription: the hub sends an account only its own job, deployment, training and pipeline
 * events, and none to an anonymous page).
 */
import { useEffect, useReducer, useState } from 'react'
import type { EventStreamMessage } from '@w3ai/protocol'
import { EventStream, eventsUrl, type StreamState } from '../event-stream.js'
import { signedSubscription } from '../events-auth.js'
import { getIdentity, restoreIdentity, subscribeIdentity } from '../storage/session.js'
import { stampJob, type JobStamps } from '../jobs/updates.js'
import { applyMessage, EMPTY_NETWORK, type NetworkState } from '../node-state.js'

interface LiveState {
  network: NetworkState
  statusVersion: number
  loadVersion: number
  /** Counts `job.updated` events; `jobStamps` says which job each one was about. */
  jobVersion: number
  jobStamps: JobStamps
  /** Counts `deployment.updated` events (a deployment was created, loaded, failed or stopped). */
  deploymentVersion: number
  /** Counts `fl.updated` events; `flStamps` says which training each one was about. */
  flVersion: number
  flStamps: JobStamps
  /** Counts `pipeline.updated` events; `pipelineStamps` says which pipeline each one was about. */
  pipelineVersion: number
  pipelineStamps: JobStamps
  /** Counts `governance.updated` and `params.updated` events (public: every page gets them). */
  governanceVersion: number
}

function reduce(state: LiveState, message: EventStreamMessage): LiveState {
  if (message.type === 'job.updated') {
    const jobVersion = state.jobVersion + 1
    return { ...state, jobVersion, jobStamps: stampJob(state.jobStamps, message.jobId, jobVersion) }
  }
  if (message.type === 'deployment.updated') return { ...state, deploymentVersion: state.deploymentVersion + 1 }
  if (message.type === 'fl.updated') {
    const flVersion = state.flVersion + 1
    return { ...state, flVersion, flStamps: stampJob(state.flStamps, message.trainingId, flVersion) }
  }
  if (message.type === 'pipeline.updated') {
    const pipelineVersion = state.pipelineVersion + 1
    return { ...state, pipelineVersion, pipelineStamps: stampJob(state.pipelineStamps, message.pipelineId, pipelineVersion) }
  }
  if (message.type === 'governance.updated' || message.type === 'params.updated') return { ...state, governanceVersion: state.governanceVersion + 1 }
  const network = applyMessage(state.network, message)
  if (message.type === 'node.load') return { ...state, network, loadVersion: state.loadVersion + 1 }
  return { ...state, network, statusVersion: state.statusVersion + 1 }
}

const INITIAL: LiveState = { network: EMPTY_NETWORK, statusVersion: 0, loadVersion: 0, jobVersion: 0, jobStamps: new Map(), deploymentVersion: 0, flVersion: 0, flStamps: new Map(), pipelineVersion: 0, pipelineStamps: new Map(), governanceVersion: 0 }

export interface LiveNetwork extends LiveState {
  streamState: StreamState
  /** Increases on every reconnect, so one-off fetches (health) can repeat after a hub restart. */
  connection: number
}

export function useNetwork(): LiveNetwork {
  const [live, dispatch] = useReducer(reduce, INITIAL)
  const [streamState, setStreamState] = useState<StreamState>('reconnecting')
  const [connection, setConnection] = useState(0)

  useEffect(() => {
    /** Who the current connection was signed as; undefined while it is being authorized. */
    let signedAs: string | null | undefined
    const stream = new EventStream({
      url: eventsUrl(window.location),
      // Signed with the account identity when one is loaded: the stream then carries our own job
      // and deployment events too. Signed afresh (new timestamp and nonce) for every connection,
      // after the identity kept in this browser is restored, so a returning user connects once.
      authorize: async () => {
        signedAs = undefined
        await restoreIdentity()
        const identity = getIdentity()
        signedAs = identity?.id ?? null
        return identity === null ? null : signedSubscription(identity)
      },
      onMessage: dispatch,
      onState: (state) => {
        setStreamState(state)
        if (state === 'live') setConnection((n) => n + 1)
      },
    })
    stream.start()
    // A different identity (created, loaded or forgotten) subscribes again as itself.
    const unsubscribe = subscribeIdentity(() => {
      const id = getIdentity()?.id ?? null
      if (signedAs !== undefined && id !== signedAs) stream.reconnect()
    })
    return () => {
      unsubscribe()
      stream.stop()
    }
  }, [])

  return { ...live, streamState, connection }
}
