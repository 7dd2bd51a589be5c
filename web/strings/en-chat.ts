/** The chat section of the catalogue (catalogue.ts), in English: the chat panel (views/chat-panel.ts). */
export const chat = {
  title: 'Chat',
  close: 'Close the chat',
  messages: 'Messages',
  placeholder: 'Write a message',
  send: 'Send',
  you: 'You',
  guest: 'Guest',
  sending: 'Sending…',
  tooLong: 'Too long: at most {max} bytes',
  'too-large': 'Not sent: the message is too long',
  'rate-limited': 'Not sent: too many messages at once',
  'bad-message': 'Not sent: the message has characters that cannot be sent',
  'not-joined': 'Not sent: you are not in the call',
  lost: 'Not sent: the connection was lost',
  notSent: 'Not sent',
} as const;
