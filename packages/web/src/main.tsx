/**
 * @w3ai/web: the dashboard the hub serves at `/`. It reads the hub's unsigned endpoints
 * (`/v1/health`, `/v1/network/summary`) and its event stream (`/v1/events`) from its own origin,
 * and signs everything else with the account identity kept in this browser.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import { startIdentity } from './storage/account.js'
import './styles.css'

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
// The identity kept in this browser, if any (the event stream and pages follow it when it arrives).
void startIdentity()
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
