/** The texts the page offers, bundled as files (see texts/README.md). */
import alice from './texts/alice.txt?raw';
import gettysburg from './texts/gettysburg.txt?raw';
import sonnets from './texts/sonnets.txt?raw';

export interface BundledText {
  id: string;
  label: string;
  text: string;
}

export const TEXTS: readonly BundledText[] = [
  { id: 'alice', label: 'Alice in Wonderland, chapter I (Carroll)', text: alice },
  { id: 'sonnets', label: 'Six sonnets (Shakespeare)', text: sonnets },
  { id: 'gettysburg', label: 'The Gettysburg Address (Lincoln)', text: gettysburg },
];
