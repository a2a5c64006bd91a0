/**
 * @w3ai/web: the dashboard the hub serves at `/`. It reads the hub's unsigned endpoints
 * (`/v1/health`, `/v1/network/summary`) and its event stream (`/v1/events`) from its own origin.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.js'
import './styles.css'

const root = document.getElementById('root')
if (root === null) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
