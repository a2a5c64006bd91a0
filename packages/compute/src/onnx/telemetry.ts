/**
 * onnxruntime-node (1.30 on Linux) starts Microsoft's 1DS telemetry with the first session: it
 * leaves `mat-debug-<pid>.log` and `.ses` in the temporary directory of every process that runs a
 * model, and tries to upload events. Nothing of a user's task should leave the machine or linger
 * in /tmp, so it is switched off through the variable onnxruntime reads when its environment is
 * created (lazily, on the first InferenceSession), unless the operator set it explicitly.
 */
export function disableOrtTelemetry(env: NodeJS.ProcessEnv = process.env): void {
  if (env.ORT_DISABLE_TELEMETRY === undefined || env.ORT_DISABLE_TELEMETRY === '') env.ORT_DISABLE_TELEMETRY = '1'
}
