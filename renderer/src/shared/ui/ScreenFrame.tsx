import { useEffect, useId, useRef, type ReactNode } from 'react';

/**
 * One screen: names the browser tab and moves focus to the screen's heading on arrival, so keyboard
 * and screen-reader users start at the top of what changed. Screens whose first job is typing (find)
 * focus their field instead.
 */
export function ScreenFrame({
  title,
  children,
  shouldFocusHeading = true,
  headingExtra,
}: {
  readonly title: string;
  readonly children: ReactNode;
  readonly shouldFocusHeading?: boolean;
  readonly headingExtra?: ReactNode;
}) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const headingId = useId();
  useEffect(() => {
    document.title = `${title} · CoverDesk`;
    if (shouldFocusHeading) headingRef.current?.focus();
  }, [title, shouldFocusHeading]);
  return (
    <section className="screen" aria-labelledby={headingId}>
      <div className="screen-heading">
        <h1 id={headingId} ref={headingRef} tabIndex={-1}>
          {title}
        </h1>
        {headingExtra}
      </div>
      {children}
    </section>
  );
}
