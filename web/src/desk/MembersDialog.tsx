import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../shared/api';
import type { ClassInfo } from '../shared/types';
import { Button, Dialog } from '../shared/ui';
import type { Member } from '@contract';


/**
 * Who teaches a class: its members see it, vet for it and pair its boards; nobody else on the staff does (the
 * e-safety lead sees every class). A member adds a colleague by their email, and can replace a board link that
 * has leaked (a photographed QR code): the old link stops working at once and boards pair again.
 */
export function MembersDialog({ cls, onClose, onChanged }: { cls: ClassInfo | null; onClose: () => void; onChanged: (message: string) => void }) {
  return (
    <Dialog open={cls !== null} title={cls ? `Teachers of ${cls.name}` : 'Teachers'} onClose={onClose}>
      {cls && <Members key={cls.id} cls={cls} onChanged={onChanged} />}
    </Dialog>
  );
}

function Members({ cls, onChanged }: { cls: ClassInfo; onChanged: (message: string) => void }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState('');
  const [confirmRotate, setConfirmRotate] = useState(false);

  const load = async (c: ClassInfo) => {
    try {
      setMembers((await api<{ members: Member[] }>('GET', `/api/classes/${c.id}`)).members);
    } catch (e) {
      setMessage({ tone: 'error', text: errorText(e) });
    }
  };

  useEffect(() => void load(cls), [cls.id]);

  const add = async (e: Event) => {
    e.preventDefault();
    if (!email.trim()) return setMessage({ tone: 'error', text: 'Type your colleague’s email address first.' });
    setBusy('add');
    try {
      const r = await api<{ member: Member; members: Member[] }>('POST', `/api/classes/${cls.id}/members`, { email: email.trim() });
      setMembers(r.members);
      setEmail('');
      setMessage({ tone: 'ok', text: `${r.member.email} can now see and vet ${cls.name}.` });
    } catch (err) {
      setMessage({ tone: 'error', text: errorText(err) });
    } finally {
      setBusy('');
    }
  };

  const remove = async (m: Member) => {
    setBusy(m.id);
    try {
      await api('DELETE', `/api/classes/${cls.id}/members/${m.id}`);
      setMessage({ tone: 'ok', text: `${m.email} is no longer a teacher of ${cls.name}.` });
      await load(cls).catch(() => undefined);
      onChanged(`${m.email} is no longer a teacher of ${cls.name}.`);
    } catch (err) {
      setMessage({ tone: 'error', text: errorText(err) });
    } finally {
      setBusy('');
    }
  };

  const rotate = async () => {
    setBusy('rotate');
    try {
      await api('POST', `/api/classes/${cls.id}/board/rotate`);
      setConfirmRotate(false);
      setMessage({ tone: 'ok', text: 'The board has a new link. The old one no longer works: pair each board again.' });
      onChanged(`${cls.name} has a new board link. Pair each board again.`);
    } catch (err) {
      setMessage({ tone: 'error', text: errorText(err) });
    } finally {
      setBusy('');
    }
  };

  return (
    <>
      <p class="muted">Only the teachers of a class see it, vet for it and pair its boards. Your e-safety lead sees every class.</p>
      {message && (
        <p class={`flash flash-${message.tone}`} role="status" data-testid="members-message">
          {message.text}
        </p>
      )}
      {members === null ? (
        <p class="muted">Loading…</p>
      ) : (
        <ul class="member-list" data-testid="member-list">
          {members.map((m) => (
            <li key={m.id}>
              <span>{m.email}</span>
              <Button variant="quiet" busy={busy === m.id} busyText="Removing…" onClick={() => void remove(m)}>
                Remove<span class="visually-hidden"> {m.email}</span>
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form class="add-member" onSubmit={add}>
        <div class="field grow">
          <label for={`member-${cls.id}`}>Add a colleague by email</label>
          <input id={`member-${cls.id}`} type="email" maxLength={320} autoComplete="off" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </div>
        <Button type="submit" variant="primary" busy={busy === 'add'} busyText="Adding…">
          Add teacher
        </Button>
      </form>
      <section class="rotate-board" aria-labelledby={`rotate-${cls.id}`}>
        <h3 id={`rotate-${cls.id}`}>Board link</h3>
        <p class="muted">If the board link or its QR code got out (a photo, a shared screen), replace it. Every board of this class must then be paired again.</p>
        {confirmRotate ? (
          <div class="row">
            <Button variant="bad" busy={busy === 'rotate'} busyText="Replacing…" onClick={() => void rotate()}>
              Yes, replace the link now
            </Button>
            <Button variant="quiet" onClick={() => setConfirmRotate(false)}>
              Keep it
            </Button>
          </div>
        ) : (
          <Button variant="plain" onClick={() => setConfirmRotate(true)}>
            Replace the board link…
          </Button>
        )}
      </section>
    </>
  );
}
