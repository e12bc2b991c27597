/**
 * Devanagari from the app's own files (issue 19): Noto Sans Devanagari, regular and bold, from the
 * @fontsource package, bundled by vite into the build's assets (woff2, about 50 kB each): no font
 * is fetched from a network, and Hindi and Marathi render the same on every terminal whatever
 * fonts its system has. fonts.css puts it first for Devanagari pages only, so English keeps the
 * system font it always had. Imported by the page entries, not by screens (tests need no fonts).
 */
import '@fontsource/noto-sans-devanagari/devanagari-400.css';
import '@fontsource/noto-sans-devanagari/devanagari-700.css';
import './fonts.css';
