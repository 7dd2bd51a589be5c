/**
 * The devices section of the catalogue (catalogue.ts), in English: the
 * pre-join screen and the in-call device menu (views/prejoin.ts).
 */
export const devices = {
  title: 'Check your camera and microphone',
  preview: 'Camera preview',
  noPreview: 'Camera off',
  level: 'Microphone level',
  camera: 'Camera',
  microphone: 'Microphone',
  speaker: 'Speaker',
  cameraN: 'Camera {n}',
  microphoneN: 'Microphone {n}',
  speakerN: 'Speaker {n}',
  systemDefault: 'System default',
  noSpeakerChoice: 'This browser plays the call on its default speaker; it cannot switch here.',
  name: 'Your name',
  namePlaceholder: 'Guest',
  micOff: 'Join with microphone off',
  cameraOff: 'Join with camera off',
  join: 'Join',
  starting: 'Starting your camera and microphone…',
  denied: 'Your browser blocked the camera and microphone.',
  deniedHint:
    'To allow them, click the icon to the left of the address (a lock or a camera), set Camera and Microphone to Allow, and reload this page. You can also join without them.',
  noDevices: 'No camera or microphone found.',
  noDevicesHint: 'Plug one in and it appears here, or join without: you can still see and hear the others.',
  noCamera: 'No camera found: you join with your microphone only.',
  noMicrophone: 'No microphone found: you join with your camera only.',
  failed: 'The camera or microphone could not be started ({reason}). Close other apps that use them, or join without.',
  devices: 'Devices',
  devicesLabel: 'Camera, microphone and speaker',
  close: 'Close',
} as const;
