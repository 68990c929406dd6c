// Heli's ECharts: only what heli/static/heli/dashboard.js draws. Bundled as an IIFE
// that sets window.echarts, the same global API as the full build (echarts.init, ...).
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  AriaComponent,
  GridComponent,
  LegendPlainComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  AriaComponent,
  GridComponent,
  LegendPlainComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

window.echarts = echarts;
