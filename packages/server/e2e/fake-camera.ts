import { writeFileSync } from 'node:fs';
import QRCode from 'qrcode';

/**
 * A video file Chromium plays as its camera (`--use-file-for-fake-video-capture`): a Y4M stream
 * (YUV 4:2:0) of a few identical frames showing the QR code of `text`, black on white, as a
 * phone held in front of the camera would show it.
 */
export function writeQrVideo(path: string, text: string): void {
  const width = 640;
  const height = 480;
  const qr = QRCode.create([{ data: text, mode: 'alphanumeric' }], { errorCorrectionLevel: 'Q' });
  const modules = qr.modules.size;
  const scale = Math.floor((height - 40) / (modules + 8));
  const side = (modules + 8) * scale;
  const left = Math.floor((width - side) / 2);
  const top = Math.floor((height - side) / 2);
  const luma = Buffer.alloc(width * height, 235);
  for (let row = 0; row < modules; row++) {
    for (let column = 0; column < modules; column++) {
      if (!qr.modules.get(row, column)) continue;
      for (let dy = 0; dy < scale; dy++) {
        const y = top + (row + 4) * scale + dy;
        luma.fill(16, y * width + left + (column + 4) * scale, y * width + left + (column + 5) * scale);
      }
    }
  }
  const chroma = Buffer.alloc((width / 2) * (height / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F10:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(path, Buffer.concat([header, frame, frame, frame]));
}
