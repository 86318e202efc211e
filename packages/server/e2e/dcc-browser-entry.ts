// Bundled for the browser by the verifier e2e test: the verifier's code exactly as the page runs it.
export { base64ToBytes, trustedSignerFromDer, valueSetCodes, verifyDcc } from '@prostopcovid/dcc';
