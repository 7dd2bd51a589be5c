/**
 * The chat: the log of the call's messages (chat/chat-log.ts) and the panel
 * that shows it, a list and an input. Most calls never chat, so it is a chunk
 * of its own that the element loads when its chat button is first pressed or
 * the first message is sent or arrives; the element hands it every input in
 * order (ChatInput).
 *
 * Text is only ever rendered through Lit text bindings: what someone typed
 * shows as text, never as markup. Like every chunk it imports nothing at run
 * time but its own modules (chunk-loader.ts).
 */
import type { TemplateResult } from 'lit';
import type { ChatEvent } from '../client/signaling-client.js';
import type { VideoCallEventDetails } from '../events.js';
import { chat as english } from '../strings/en-chat.js';
import { ChatLog, type ChatEntry } from '../chat/chat-log.js';
import type { ViewContext } from './view-context.js';

/** What the chat is told: what the call heard (ChatEvent), this side's message to post, a press of its button. */
export type ChatInput = ChatEvent | ['post', string] | ['toggle'];

/** The element, as the chat sees it: its name, and its events and renders. */
export interface ChatHost {
  name: string;
  requestUpdate(): void;
  dispatchEvent(event: Event): boolean;
}

/** The call, as the chat sees it: this side's peer id (once welcomed) and a way to send. */
export interface ChatCall {
  id: string | undefined;
  client: { chat(mid: number, text: string): void } | undefined;
}

export interface ChatPanelView {
  styles: CSSStyleSheet;
  log: ChatLog;
  /** Whether the panel is open. */
  open: boolean;
  /** Takes in what the chat is told (a posted text has its size checked already). */
  handle(input: ChatInput): void;
  /** The unread count on the chat button, if any. */
  badge(): TemplateResult | string;
  /** The panel while it is open. */
  panel(): TemplateResult | string;
}

const CSS = `
  .chat {
    position: absolute; z-index: 2; top: var(--_gap); right: var(--_gap); bottom: 70px;
    width: min(22em, calc(100% - 2 * var(--_gap))); display: flex; flex-direction: column;
    background: var(--_tile); border-radius: calc(var(--_radius) - 4px); box-shadow: 0 4px 24px rgb(0 0 0 / 0.4);
  }
  .chat header { display: flex; align-items: center; justify-content: space-between; padding: 6px 6px 6px 12px; }
  .chat header button { width: 32px; height: 32px; }
  .chat .scroll { flex: 1; overflow-y: auto; display: flex; flex-direction: column-reverse; padding: 0 12px; }
  .chat ol { list-style: none; margin: 0; padding: 0; display: grid; gap: 8px; }
  .chat li { overflow-wrap: anywhere; }
  .chat .who { font-weight: 600; }
  .chat time, .chat .state { margin-left: 6px; color: var(--_muted-fg); font-size: 0.85em; }
  .chat .failed .state { color: var(--_danger); }
  .chat .failed p { opacity: 0.6; }
  .chat p { margin: 2px 0 0; white-space: pre-wrap; }
  .chat form { display: flex; gap: 6px; padding: 10px; }
  .chat input {
    flex: 1; min-width: 0; padding: 0 10px; height: 36px; border: 0; border-radius: 8px;
    background: var(--_bg); color: var(--_fg); font: inherit;
  }
  .chat form button { width: auto; height: 36px; padding: 0 14px; border-radius: 8px; background: var(--_accent); }
  .unread {
    position: absolute; top: -4px; right: -4px; min-width: 18px; height: 18px; padding: 0 4px; box-sizing: border-box;
    border-radius: 9px; background: var(--_danger); color: #fff; font-size: 11px; line-height: 18px; text-align: center;
  }
  .chat .note { padding: 0 12px; color: var(--_danger); font-size: 0.85em; }
`;

const bytes = (text: string) => new TextEncoder().encode(text).length;

/** `max`: the most UTF-8 bytes a message may have (protocol/chat-limits.ts, which the element imports, so not this chunk). */
export function chatPanel(
  { html, locale, fill }: ViewContext,
  host: ChatHost,
  call: ChatCall,
  max: number,
): ChatPanelView {
  const styles = new CSSStyleSheet();
  styles.replaceSync(CSS);
  const words = () => locale()?.chat ?? english;
  const reasonText = (reason: ChatEntry['reason']) => {
    const t = words();
    return reason !== undefined && Object.hasOwn(t, reason) ? t[reason as keyof typeof t] : t.notSent;
  };
  /** Why the last message typed was not posted (too long), until the next one is. */
  let note = '';

  const fire = <K extends 'vc-message' | 'vc-error'>(name: K, detail: VideoCallEventDetails[K]) =>
    host.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));

  const log = new ChatLog({
    send: (mid, text) => call.client?.chat(mid, text),
    self: () => ({ id: call.id, name: host.name }),
    reading: () => view.open,
    changed: (entry, isNew) => {
      const { id, from, text, ts, self } = entry;
      if (isNew) fire('vc-message', { id, from: { id: from.id, name: from.name }, text, ts, self });
      else fire('vc-error', { code: 'message-refused', message: reasonText(entry.reason) });
      host.requestUpdate();
    },
  });

  const handle = (input: ChatInput) => {
    if (input[0] === 'chat') log.received(input[1]);
    else if (input[0] === 'refused') log.refused(input[1], input[2]);
    else if (input[0] === 'welcome') log.welcome(input[1]);
    else if (input[0] === 'post') log.post(input[1]);
    else {
      view.open = !view.open;
      host.requestUpdate();
    }
  };

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    const input = (event.target as HTMLFormElement).elements.namedItem('text') as HTMLInputElement;
    const text = input.value.trim();
    if (text === '') return;
    note = bytes(text) > max ? fill(words().tooLong, { max: max }) : '';
    if (note === '') {
      log.post(text);
      input.value = '';
    }
    host.requestUpdate();
  };

  const item = (entry: ChatEntry) => {
    const t = words();
    const name = entry.self ? t.you : entry.from.name || t.guest;
    const time = new Date(entry.ts).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    const state = entry.state === 'failed' ? reasonText(entry.reason) : entry.state === 'sending' ? t.sending : '';
    return html`<li part="chat-message" class=${entry.state} data-id=${entry.id}>
      <span class="who">${name}</span><time datetime=${new Date(entry.ts).toISOString()}>${time}</time>${
        state ? html`<span class="state">${state}</span>` : ''
      }
      <p>${entry.text}</p>
    </li>`;
  };

  const view: ChatPanelView = {
    styles,
    log,
    open: false,
    handle,
    badge: () => (log.unread ? html`<b part="unread" class="unread">${log.unread}</b>` : ''),
    panel: () => {
      if (!view.open) return '';
      const t = words();
      log.read();
      return html`<section part="chat" class="chat" aria-label=${t.title}>
        <header>
          <strong>${t.title}</strong>
          <button part="button chat-close-button" aria-label=${t.close} @click=${() => handle(['toggle'])}>✕</button>
        </header>
        <div class="scroll">
          <ol aria-label=${t.messages} aria-live="polite">
            ${log.entries.map(item)}
          </ol>
        </div>
        ${note ? html`<div class="note" role="alert">${note}</div>` : ''}
        <form @submit=${submit}>
          <input
            name="text"
            part="chat-input"
            autocomplete="off"
            maxlength=${max}
            placeholder=${t.placeholder}
            aria-label=${t.placeholder}
          />
          <button part="button chat-send-button" type="submit">${t.send}</button>
        </form>
      </section>`;
    },
  };
  return view;
}
