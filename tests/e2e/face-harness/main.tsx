/**
 * Test page for tests/e2e/face-capture.test.ts: the renderer's <FaceCapture> alone, built with the
 * renderer's face assets plugin and served under the desk CSP. A good capture is kept on `window`
 * for the test to compare (this page exists only in tests; the desk sends captures to its backend).
 */
import { createRoot } from 'react-dom/client';
import { FaceCapture } from '../../../renderer/src/features/identity/face/FaceCapture';
import { loadFaceEngine } from '../../../renderer/src/features/identity/face/face-engine';

declare global {
  interface Window {
    faceCaptures: Array<{ readonly descriptor: number[]; readonly liveness: number }>;
    faceRefusals: string[];
    faceBackend: string | null;
  }
}

window.faceCaptures = [];
window.faceRefusals = [];
window.faceBackend = null;
// The same engine instance the component uses (one per page): which backend it chose.
void loadFaceEngine().then((engine) => {
  window.faceBackend = engine.backend;
});

createRoot(document.getElementById('root')!).render(
  <FaceCapture
    actionLabel="Capture face"
    onCaptured={(capture) => {
      window.faceCaptures.push(capture);
    }}
    onRefused={(problem) => {
      window.faceRefusals.push(problem);
    }}
  />,
);
