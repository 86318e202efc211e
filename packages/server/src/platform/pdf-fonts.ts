import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { FontFiles } from '@prostopcovid/continuity/pdf';

const require = createRequire(import.meta.url);
let files: FontFiles | undefined;

/** Noto Sans regular and bold (OFL), read once: every PDF embeds a subset of them. */
export function documentFontFiles(): FontFiles {
  files ??= {
    regular: readFileSync(require.resolve('@expo-google-fonts/noto-sans/400Regular/NotoSans_400Regular.ttf')),
    bold: readFileSync(require.resolve('@expo-google-fonts/noto-sans/700Bold/NotoSans_700Bold.ttf')),
  };
  return files;
}
