"""Events of the programme (场景沙龙, 供需对接会, 产品路演, 清单发布会, 项目签约): the event,
registration with a waiting list (models, services), and the 1:1 meeting scheduler of a
供需对接会 (scheduler, with bmatching and colouring: standard library only)."""
