import { useEffect, useEffectEvent, useRef, useState } from 'react';
import { readQrFromImageData } from '../../data/qr-image';
import { ErrorAlert } from '../../ui/form-feedback';

const FRAME_INTERVAL_MS = 200;

function cameraError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') return "L'accès à la caméra a été refusé. Autorisez-le dans les réglages du navigateur, ou collez le texte du QR code.";
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return "Aucune caméra n'a été trouvée sur cet appareil.";
  if (name === 'NotReadableError') return 'La caméra est déjà utilisée par une autre application.';
  return "La caméra n'a pas pu être ouverte.";
}

/**
 * A live scanner: the camera's frames (getUserMedia) are read by the same QR decoder as
 * pictures (zxing-wasm), five times a second, until a code is found; the camera is then
 * released. Nothing leaves the device.
 */
export function CameraScanner({ onText }: { onText: (text: string) => void }) {
  const [active, setActive] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const stream = useRef<MediaStream | null>(null);
  const found = useEffectEvent(onText);

  function stop() {
    stream.current?.getTracks().forEach((track) => track.stop());
    stream.current = null;
    setActive(false);
  }

  useEffect(() => stop, []);

  useEffect(() => {
    if (!active) return;
    // After the commit that rendered the <video> (a requestAnimationFrame could run before
    // it, leaving the camera black for good).
    if (video.current && stream.current) {
      video.current.srcObject = stream.current;
      void video.current.play().catch(() => undefined);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancelled = false;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const tick = async () => {
      const element = video.current;
      if (cancelled || !element || !context) return;
      if (element.readyState >= element.HAVE_CURRENT_DATA && element.videoWidth > 0) {
        canvas.width = element.videoWidth;
        canvas.height = element.videoHeight;
        context.drawImage(element, 0, 0);
        const text = await readQrFromImageData(context.getImageData(0, 0, canvas.width, canvas.height)).catch(() => null);
        if (cancelled) return;
        if (text) {
          stop();
          found(text);
          return;
        }
      }
      timer = setTimeout(() => void tick(), FRAME_INTERVAL_MS);
    };
    void tick();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [active]);

  async function start() {
    setMessage(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setMessage("La caméra n'est disponible que sur une page sécurisée (https) d'un navigateur qui la prend en charge.");
      return;
    }
    try {
      stream.current = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      // The <video> is rendered once active; the effect below attaches the stream to it.
      setActive(true);
    } catch (error) {
      setMessage(cameraError(error));
    }
  }

  return (
    <div className="camera" data-testid="camera">
      {active ? (
        <>
          <video ref={video} className="camera-view" muted playsInline aria-label="Image de la caméra" />
          <p role="status" className="hint">
            Présentez le QR code devant la caméra…
          </p>
          <button type="button" className="button secondary" onClick={stop}>
            Arrêter la caméra
          </button>
        </>
      ) : (
        <button type="button" className="button secondary" onClick={() => void start()}>
          Scanner avec la caméra
        </button>
      )}
      <ErrorAlert>{message}</ErrorAlert>
    </div>
  );
}
