import type { MessageId } from '../../i18n/catalog';
import { useTranslator } from '../../i18n/LanguageProvider';
import { english, type MessageValues, type Translator } from '../../i18n/translate';
import { ErrorNotice } from '../../shared/ui/Notice';
import type { ConsoleError } from '../data/api';

/**
 * The console's own sentences for failures it detects itself (server out of reach, an answer that
 * could not be read, …), each with the values it is built from. The server's refusals stay in the
 * server's words: they are the server's, and it speaks English (issue 19 leaves them for later).
 */
const ownSentences: readonly { readonly id: MessageId; readonly values: (error: ConsoleError) => MessageValues | null }[] = [
  { id: 'console.error.network', values: (error) => (error.code === 'network' ? {} : null) },
  { id: 'console.error.sessionExpired', values: (error) => (error.code === 'session-expired' ? {} : null) },
  { id: 'console.error.unreadableAnswer', values: (error) => (error.code === 'unreadable-answer' ? {} : null) },
  { id: 'console.error.unreadableFile', values: (error) => (error.code === 'unreadable-answer' ? {} : null) },
  { id: 'console.error.httpStatus', values: (error) => (/^http-\d+$/.test(error.code) ? { status: error.status ?? Number(error.code.slice(5)) } : null) },
  {
    id: 'console.error.invalidDocument',
    values: (error) =>
      error.code === 'invalid-replica-document' && typeof error.details?.collection === 'string' && typeof error.details.problem === 'string'
        ? { collection: error.details.collection, problem: error.details.problem }
        : null,
  },
  {
    id: 'console.error.readModel',
    values: (error) => (error.code === 'read-model-unavailable' && typeof error.details?.detail === 'string' ? { detail: error.details.detail } : null),
  },
];

/**
 * An error's sentence in the operator's language when it is one of the console's own (recognised by
 * its code and its exact English sentence, so a server answer with the same code is never replaced).
 */
export function consoleErrorText(error: ConsoleError, translator: Translator): string {
  for (const sentence of ownSentences) {
    const values = sentence.values(error);
    if (values && english.t(sentence.id, values) === error.message) return translator.t(sentence.id, values);
  }
  return error.message;
}

/** ErrorNotice for the console: its own sentences translated, the server's as the server said them. */
export function ConsoleErrorNotice({ error, onRetry, title }: { readonly error: ConsoleError; readonly onRetry?: () => void; readonly title?: string }) {
  const translator = useTranslator();
  return <ErrorNotice error={{ ...error, message: consoleErrorText(error, translator) }} {...(onRetry ? { onRetry } : {})} {...(title ? { title } : {})} />;
}
