// Vite's default configuration, plus the COOP/COEP headers (cross-origin isolation, for the
// threaded core) when SUPERCOLOR_ISOLATION=1.
const headers = process.env.SUPERCOLOR_ISOLATION === '1' ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {};

export default { server: { headers }, preview: { headers } };
