export * from './portable.js'
export { matMulModel, ONNX_OPSET, onnxSignature, type MatMulModel } from './onnx.js'
