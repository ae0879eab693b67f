/** The console speaks in words (issue 15): schedules, sizes and audit actions, never cron text, bytes or codes. */
import { describe, expect, it } from 'vitest';
import { actionWords } from '../../web/src/admin/audit-words.js';
import { bytesText, scheduleWords } from '../../web/src/shared/words.js';

describe('schedules in words', () => {
  it('says the everyday forms as a person would', () => {
    expect(scheduleWords('30 2 * * *')).toBe('every night at 02:30');
    expect(scheduleWords('0 13 * * *')).toBe('every day at 13:00');
    expect(scheduleWords('15 3 * * 0')).toBe('every Sunday at 03:15');
    expect(scheduleWords('*/15 * * * *')).toBe('every 15 minutes');
    expect(scheduleWords('* * * * *')).toBe('every minute');
    expect(scheduleWords('5 * * * *')).toBe('every hour at 05 minutes past');
    expect(scheduleWords('0 */6 * * *')).toBe('every 6 hours, at 00 minutes past');
  });

  it('never shows cron text, even for forms it cannot put in words', () => {
    for (const cron of ['0 2 1 * *', '0 2 * 1-6 *', 'nonsense', '', '0 2 * * 1-5']) {
      expect(scheduleWords(cron)).not.toMatch(/\*|\d-\d/);
    }
  });
});

describe('sizes in MB', () => {
  it('uses MB (GB when large), never bytes', () => {
    expect(bytesText(0)).toBe('nothing');
    expect(bytesText(20_000)).toBe('less than 0.1 MB');
    expect(bytesText(100_000)).toBe('0.1 MB');
    expect(bytesText(250 * 1024 * 1024)).toBe('250 MB');
    expect(bytesText(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(bytesText('5242880')).toBe('5.0 MB');
  });
});

describe('audit actions in words', () => {
  it('names every action the service records, and reads an unknown one as words', () => {
    expect(actionWords('rule.create')).toBe('Added a filtering rule');
    expect(actionWords('item.approve')).toBe('Approved for the board');
    expect(actionWords('purge.dry_run')).toBe('Previewed the purge');
    expect(actionWords('something.new_here')).toBe('Something new here');
  });
});
