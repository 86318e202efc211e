import { useId, useMemo, useState, type KeyboardEvent } from 'react';
import { searchDevices, type TestDevice } from '../../data/reference';

const MAX_SHOWN = 50;

/**
 * Search-as-you-type over the EU list (ARIA 1.2 combobox with a listbox popup): the text
 * input filters by brand or reference, ↑/↓ move, Entrée chooses, Échap closes.
 */
export function DeviceCombobox({
  id,
  devices,
  selected,
  onSelect,
  invalid,
  describedBy,
}: {
  id: string;
  devices: readonly TestDevice[];
  selected: TestDevice | null;
  onSelect: (device: TestDevice | null) => void;
  invalid: boolean;
  describedBy?: string;
}) {
  const [query, setQuery] = useState(selected?.name ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const listId = useId();
  const statusId = useId();

  const matches = useMemo(() => searchDevices(devices, selected && query === selected.name ? '' : query), [devices, query, selected]);
  const shown = matches.slice(0, MAX_SHOWN);
  const optionId = (index: number) => `${listId}-option-${index}`;

  function move(to: number) {
    setOpen(true);
    setActive(to);
    document.getElementById(optionId(to))?.scrollIntoView({ block: 'nearest' });
  }

  function choose(device: TestDevice) {
    onSelect(device);
    setQuery(device.name);
    setOpen(false);
    setActive(-1);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown') {
      event.preventDefault();
      if (shown.length > 0) move(!open ? Math.max(active, 0) : Math.min(active + 1, shown.length - 1));
    } else if (event.key === 'ArrowUp') {
      event.preventDefault();
      if (shown.length > 0) move(!open || active <= 0 ? (open ? 0 : shown.length - 1) : active - 1);
    } else if (event.key === 'Enter') {
      // Choosing in the list must not submit the form.
      if (open && active >= 0 && shown[active]) {
        event.preventDefault();
        choose(shown[active]);
      } else if (open && shown.length === 1 && shown[0]) {
        event.preventDefault();
        choose(shown[0]);
      }
    } else if (event.key === 'Escape') {
      if (open) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else if (!selected) {
        setQuery('');
      }
    }
  }

  const expanded = open && query.trim().length > 0;
  const countText =
    matches.length === 0
      ? 'Aucun test ne correspond à votre recherche.'
      : matches.length > MAX_SHOWN
        ? `${matches.length} tests correspondent, les ${MAX_SHOWN} premiers sont affichés : précisez votre recherche.`
        : `${matches.length} test${matches.length > 1 ? 's' : ''} correspond${matches.length > 1 ? 'ent' : ''} à votre recherche.`;

  return (
    <div className="combobox">
      <input
        id={id}
        type="text"
        role="combobox"
        autoComplete="off"
        spellCheck={false}
        placeholder="Tapez une marque ou une référence, par exemple « Panbio »"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? optionId(active) : undefined}
        aria-invalid={invalid || undefined}
        aria-describedby={[describedBy, statusId].filter(Boolean).join(' ')}
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setOpen(true);
          setActive(-1);
          if (selected && e.target.value !== selected.name) onSelect(null);
        }}
        onFocus={() => {
          if (!selected && query.trim()) setOpen(true);
        }}
        onBlur={() => {
          setOpen(false);
          setActive(-1);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id={listId} role="listbox" aria-label="Tests de la liste européenne" className="combobox-list" hidden={!expanded}>
        {expanded &&
          shown.map((device, index) => (
            <li
              key={device.id}
              id={optionId(index)}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              // Keeps the focus in the input, so the blur does not close the list first.
              onMouseDown={(e) => e.preventDefault()}
              onClick={() => choose(device)}
              onMouseMove={() => active !== index && setActive(index)}
            >
              {device.name}
              {!device.active && <span className="inactive"> (inactif)</span>}
            </li>
          ))}
        {expanded && matches.length === 0 && (
          <li className="combobox-empty" role="presentation">
            Aucun test ne correspond à « {query.trim()} ».
          </li>
        )}
      </ul>
      <p id={statusId} className="visually-hidden" aria-live="polite">
        {expanded ? countText : ''}
      </p>
    </div>
  );
}
