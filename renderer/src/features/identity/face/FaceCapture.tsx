/**
 * The camera view of the identity step: live preview, guidance while the capture runs ("No face in
 * view", "Move closer", …) and one button. A good capture goes to `onCaptured` (the identity screen
 * sends it to the desk backend: verify or enrol); a refused one is shown here with what to do.
 * The camera is on only while this component is mounted.
 */
import { useEffect, useRef, useState } from 'react';
import { closeCamera, openCamera } from './camera';
import { captureFaceDescriptor, type FaceCaptureOptions } from './capture-face';
import { faceProblemMessages, type FaceProblem } from './face-quality';

export interface FaceCaptureProps {
  /** Label of the button: "Verify face" or "Enrol face". */
  readonly actionLabel: string;
  /** Receives a capture that passed every gate. May be async: the button stays busy meanwhile. */
  readonly onCaptured: (capture: { readonly descriptor: number[]; readonly liveness: number }) => void | Promise<void>;
  /** Receives every refused capture (its problem), e.g. to let the screen count or log attempts by id only. */
  readonly onRefused?: (problem: FaceProblem) => void;
  readonly isDisabled?: boolean;
  readonly options?: Omit<FaceCaptureOptions, 'onFrame' | 'signal'>;
}

type CameraState = { readonly kind: 'opening' } | { readonly kind: 'ready' } | { readonly kind: 'failed'; readonly problem: FaceProblem };

export function FaceCapture({ actionLabel, onCaptured, onRefused, isDisabled = false, options }: FaceCaptureProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [camera, setCamera] = useState<CameraState>({ kind: 'opening' });
  const [isCapturing, setIsCapturing] = useState(false);
  const [guidance, setGuidance] = useState<string | null>(null);
  const [refusal, setRefusal] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let isCancelled = false;
    void openCamera().then((opening) => {
      if (isCancelled) {
        if (opening.ok) closeCamera(opening.stream);
        return;
      }
      if (!opening.ok) {
        setCamera({ kind: 'failed', problem: opening.problem });
        return;
      }
      stream = opening.stream;
      const video = videoRef.current;
      if (video !== null) {
        video.srcObject = stream;
        void video.play().catch(() => undefined);
      }
      setCamera({ kind: 'ready' });
    });
    return () => {
      isCancelled = true;
      abortRef.current?.abort();
      closeCamera(stream);
    };
  }, []);

  const capture = async (): Promise<void> => {
    const video = videoRef.current;
    if (video === null) return;
    const controller = new AbortController();
    abortRef.current = controller;
    setIsCapturing(true);
    setRefusal(null);
    setGuidance('Looking for the face…');
    try {
      const result = await captureFaceDescriptor(video, {
        ...options,
        signal: controller.signal,
        onFrame: (problem) => setGuidance(problem === null ? 'Hold still…' : faceProblemMessages[problem]),
      });
      setGuidance(null);
      if (result.ok) {
        await onCaptured({ descriptor: result.descriptor, liveness: result.liveness });
      } else {
        setRefusal(result.message);
        onRefused?.(result.problem);
      }
    } catch (error) {
      // Unmounted mid-capture: nothing to show.
      if (!(error instanceof DOMException && error.name === 'AbortError')) throw error;
    } finally {
      if (!controller.signal.aborted) setIsCapturing(false);
    }
  };

  return (
    <div className="face-capture">
      {/* The preview is not mirrored: the operator sees what the camera sees. */}
      <video ref={videoRef} className="face-capture-video" muted playsInline aria-label="Camera preview" />
      {camera.kind === 'opening' ? <p role="status">Starting the camera…</p> : null}
      {camera.kind === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {faceProblemMessages[camera.problem]}
        </p>
      ) : null}
      <p className="face-capture-guidance" role="status" aria-live="polite">
        {guidance ?? ''}
      </p>
      {refusal !== null ? (
        <p className="notice notice-error face-capture-refusal" role="alert">
          {refusal}
        </p>
      ) : null}
      <button type="button" className="primary" onClick={() => void capture()} disabled={isDisabled || isCapturing || camera.kind !== 'ready'}>
        {isCapturing ? 'Capturing…' : actionLabel}
      </button>
    </div>
  );
}
