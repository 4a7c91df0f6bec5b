import { useEffect, useState } from 'react';
import type { Message } from './MessageLine.js';

/** The message of the moment: it goes after `ms` (an error after twice that), or when replaced. */
export function useMessage(ms: number): [Message | null, (m: Message | null) => void] {
  const [message, setMessage] = useState<Message | null>(null);
  useEffect(() => {
    if (!message) return undefined;
    const timer = setTimeout(() => setMessage((m) => (m === message ? null : m)), message.kind === 'error' ? ms * 2 : ms);
    return () => clearTimeout(timer);
  }, [message, ms]);
  return [message, setMessage];
}
