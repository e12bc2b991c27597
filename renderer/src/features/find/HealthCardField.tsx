import { useId, useRef, useState, type KeyboardEvent, type Ref } from 'react';
import { KeyboardWedgeDetector, type WedgeVerdict } from '../../shared/keyboard-wedge';

/**
 * The health-card field: focused when the find screen opens, so a keyboard-wedge scanner can type
 * the card number into it at any moment. A scan (a fast burst ending in Enter) searches at once;
 * a number typed by hand searches on Enter too, recorded as typed. After each search the text is
 * selected, so the next scan replaces it.
 */
export function HealthCardField({
  onCard,
  inputRef,
  isBusy,
}: {
  readonly onCard: (cardNumber: string, source: WedgeVerdict['source']) => void;
  readonly inputRef?: Ref<HTMLInputElement>;
  readonly isBusy: boolean;
}) {
  const id = useId();
  const detector = useRef(new KeyboardWedgeDetector());
  const [value, setValue] = useState('');
  const [lastSource, setLastSource] = useState<WedgeVerdict['source'] | null>(null);

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    const verdict = detector.current.key(event.key, event.timeStamp);
    if (!verdict) return;
    event.preventDefault();
    const input = event.currentTarget;
    const cardNumber = input.value.trim();
    if (cardNumber === '' || isBusy) return;
    // Pasted or edited text did not come from the scanner even if the last keys were fast.
    const source = verdict.source === 'scan' && verdict.text.trim() === cardNumber ? 'scan' : 'typed';
    setLastSource(source);
    onCard(cardNumber, source);
    input.select();
  };

  return (
    <div className="field health-card-field">
      <label htmlFor={id}>Health card number</label>
      <input
        id={id}
        ref={inputRef}
        autoFocus
        autoComplete="off"
        spellCheck={false}
        value={value}
        aria-describedby={`${id}-hint`}
        aria-keyshortcuts="Alt+F"
        onChange={(event) => setValue(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => detector.current.reset()}
      />
      <p id={`${id}-hint`} className="field-hint">
        Scan the card: the search starts by itself. Or type the number and press Enter.
        {lastSource ? ` Last search: ${lastSource === 'scan' ? 'scanned' : 'typed'}.` : ''}
      </p>
    </div>
  );
}
