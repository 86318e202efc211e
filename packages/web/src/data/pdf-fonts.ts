import type { FontFiles } from '@prostopcovid/continuity/pdf';
// Bundled by Vite and precached by the service worker: documents print offline too.
import boldUrl from '@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf?url';
import regularUrl from '@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf?url';

let files: Promise<FontFiles> | undefined;

async function fetchFont(url: string): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`police ${url} : ${response.status}`);
  return response.arrayBuffer();
}

/** Noto Sans regular and bold, the fonts of every PDF (the server embeds the same files). */
export function documentFontFiles(): Promise<FontFiles> {
  files ??= Promise.all([fetchFont(regularUrl), fetchFont(boldUrl)])
    .then(([regular, bold]) => ({ regular, bold }))
    .catch((error: unknown) => {
      files = undefined; // a later print tries again
      throw error;
    });
  return files;
}
