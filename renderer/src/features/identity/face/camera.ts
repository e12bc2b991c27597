/** The desk camera through getUserMedia, with its failures named for the operator. */
import type { FaceProblem } from './face-quality';

export type CameraOpening = { readonly ok: true; readonly stream: MediaStream } | { readonly ok: false; readonly problem: FaceProblem };

export async function openCamera(): Promise<CameraOpening> {
  if (typeof navigator.mediaDevices?.getUserMedia !== 'function') return { ok: false, problem: 'camera-unavailable' };
  try {
    // 640×480 is plenty for a face at the desk and keeps each frame's inference short.
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { width: { ideal: 640 }, height: { ideal: 480 }, facingMode: 'user' },
    });
    return { ok: true, stream };
  } catch (error) {
    const name = error instanceof DOMException ? error.name : '';
    if (name === 'NotAllowedError' || name === 'SecurityError') return { ok: false, problem: 'camera-denied' };
    return { ok: false, problem: 'camera-unavailable' };
  }
}

export function closeCamera(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
