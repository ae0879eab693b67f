import { render } from 'preact';
import '../shared/base.css';
import './desk.css';
import { Desk } from './Desk';

render(<Desk />, document.getElementById('app')!);
