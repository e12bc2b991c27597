// Moved to node-shared: the desk backend signs operator proofs over the same bytes (issue 13 item 4).
export { canonicalJson, canonicalValue } from '../node-shared/canonical-json';
