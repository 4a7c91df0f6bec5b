import { createContext, useContext } from 'react';

/** False under NO_COLOR: panes keep symbols, words, bold and inverse, and drop colours. */
export const ColorContext = createContext(true);

/** A colour name when colours are on, else undefined (Ink then draws plain text). */
export function useColor(): (name: string | undefined) => string | undefined {
  const on = useContext(ColorContext);
  return (name) => (on ? name : undefined);
}
