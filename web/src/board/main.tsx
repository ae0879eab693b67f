import { render } from 'preact';
import './board.css';
import { Board } from './Board';

render(<Board />, document.getElementById('app')!);
