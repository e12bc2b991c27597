/**
 * The desk screens' Content Security Policy, the same in Electron and in browser mode: no inline
 * script, no eval, local only.
 *
 * script-src allows 'wasm-unsafe-eval' and nothing more: face capture runs `@vladmandic/human` on
 * tfjs's WASM backend, and compiling WebAssembly needs it. It does not allow eval() or new
 * Function() ('unsafe-eval' stays out). Models and WASM binaries are the desk's own files
 * (`face-models/`, `face-wasm/`, see renderer/vite-face-assets.ts), so connect-src needs no other origin.
 * media-src 'self' blob: mediastream: lets the camera preview play.
 */
export const contentSecurityPolicy =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; connect-src 'self' ws://127.0.0.1:* ws://localhost:*; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'";
