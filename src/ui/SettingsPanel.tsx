// The settings panel, generated from the one table in src/config/settings.ts: each setting's
// label, help and limits, with checkSetting's message when a value is not valid. Invalid values
// stay in the field and out of the settings Train uses.
import { useState } from 'react';
import { SETTINGS, type SettingSpec } from '../config/settings';
import type { SettingKey } from '../state/settingsSlice';
import { useApp } from './StoreContext';

const GROUPS: { key: SettingSpec['group']; label: string }[] = [
  { key: 'data', label: 'Data' },
  { key: 'network', label: 'Network' },
  { key: 'schedule', label: 'Schedule' },
  { key: 'loss', label: 'Loss' },
  { key: 'run', label: 'Run' },
];

function SettingField({ spec, disabled }: { spec: SettingSpec; disabled: boolean }) {
  const key = spec.key as SettingKey;
  const value = useApp((s) => s.settings.values[key]);
  const problem = useApp((s) => s.settings.problems[key]);
  const setSetting = useApp((s) => s.setSetting);
  const setProblem = useApp((s) => s.setSettingProblem);
  const [draft, setDraft] = useState<string | null>(null);
  const id = `setting-${key}`;
  const described = `${id}-help${problem ? ` ${id}-problem` : ''}`;
  const common = { id, disabled, title: spec.help, 'aria-describedby': described, 'aria-invalid': problem ? true : undefined };

  let input;
  if (spec.kind === 'bool') {
    input = <input type="checkbox" {...common} checked={value as boolean} onChange={(e) => setSetting(key, e.target.checked)} />;
  } else if (spec.kind === 'enum') {
    input = (
      <select {...common} value={value as string} onChange={(e) => setSetting(key, e.target.value)}>
        {spec.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else {
    input = (
      <input
        type="number"
        {...common}
        min={spec.min}
        max={spec.max}
        step={spec.kind === 'int' ? (spec.multipleOf ?? 1) : 'any'}
        value={draft ?? String(value)}
        onChange={(e) => {
          const text = e.target.value;
          setDraft(text);
          if (text.trim() === '' || !Number.isFinite(Number(text))) setProblem(key, `${spec.label} must be a number`);
          else setSetting(key, Number(text));
        }}
        onBlur={() => {
          if (!problem) setDraft(null);
        }}
      />
    );
  }
  return (
    <div className={problem ? 'setting invalid' : 'setting'}>
      <label htmlFor={id}>{spec.label}</label> {input}
      <small id={`${id}-help`} className="help">
        {spec.help}
      </small>
      {problem && (
        <small id={`${id}-problem`} className="problem" role="alert">
          {problem}
        </small>
      )}
    </div>
  );
}

export function SettingsPanel() {
  const phase = useApp((s) => s.training.phase);
  const v = useApp((s) => s.settings.values);
  const problems = useApp((s) => Object.keys(s.settings.problems).length);
  const disabled = phase !== 'idle';
  return (
    <section aria-labelledby="settings-heading">
      <details open={problems > 0 ? true : undefined}>
        <summary>
          <h2 id="settings-heading">Settings</h2>{' '}
          <span className="muted">
            {v.width}×{v.height} crops, {v.preset} networks, {v.stepsStereo} / {v.stepsDistill} / {v.stepsFuse} steps, seed {v.seed}
            {problems > 0 ? ` — ${problems} invalid` : ''}
          </span>
        </summary>
        <p className="muted">
          Saved in the page address, so a link reproduces the run (seed included).{disabled ? ' Locked while training runs.' : ''}
        </p>
        {GROUPS.map((g) => (
          <fieldset key={g.key}>
            <legend>{g.label}</legend>
            {SETTINGS.filter((s) => s.group === g.key).map((spec) => (
              <SettingField key={spec.key} spec={spec} disabled={disabled} />
            ))}
          </fieldset>
        ))}
      </details>
    </section>
  );
}
