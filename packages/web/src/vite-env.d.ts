/// <reference types="vite/client" />
// Vite's client types declare CSS and asset imports so `tsc -p .` accepts them.
